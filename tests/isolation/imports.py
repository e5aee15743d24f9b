from __future__ import annotations

from typing import Any

from tests.contacts.import_helpers import csv_bytes, run_import

from . import MARKER


def build(tenant: Any, ns: Any) -> None:
    ns.import_job = run_import(
        tenant,
        csv_bytes(f"氏名,メール,生年月日\n{MARKER} 太郎,imp@example.com,2023/2/30\n"),
        name=f"{MARKER}.csv",
    )


ROUTES = {
    "contacts:import_mapping": lambda ns: {"job_id": ns.import_job.pk},
    "contacts:import_preview": lambda ns: {"job_id": ns.import_job.pk},
    "contacts:import_status": lambda ns: {"job_id": ns.import_job.pk},
    "contacts:import_progress": lambda ns: {"job_id": ns.import_job.pk},
    "contacts:import_errors": lambda ns: {"job_id": ns.import_job.pk},
    "contacts:import_undo": lambda ns: {"job_id": ns.import_job.pk},
    "contact-import-detail": lambda ns: {"pk": ns.import_job.pk},
}
