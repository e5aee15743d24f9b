import os

from celery import Celery
from kombu import Queue

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crm.settings")

app = Celery("crm")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.conf.task_queues = [
    Queue(name) for name in ("default", "mail", "scoring", "segments", "imports", "sync")
]
app.conf.task_routes = {
    "*.tasks.send_*": {"queue": "mail"},
    "*.tasks.import_*": {"queue": "imports"},
    "*.tasks.export_*": {"queue": "imports"},
    "*.tasks.score_*": {"queue": "scoring"},
    "*.tasks.segment_*": {"queue": "segments"},
    "*.tasks.sync_*": {"queue": "sync"},
}
app.autodiscover_tasks()
