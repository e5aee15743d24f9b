# Reserved for the dashboards stream; empty until then.
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("core", "0008_notifications")]
    operations: list = []
