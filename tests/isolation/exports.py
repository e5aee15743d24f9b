from __future__ import annotations

from typing import Any

from contacts.exports.services import export_job_create, export_run
from crm.core.models import Membership
from crm.core.roles import Role

from . import MARKER


def build(tenant: Any, ns: Any) -> None:
    owner = Membership.objects.select_related("user").get(tenant=tenant, role=Role.OWNER)
    job = export_job_create(tenant=tenant, membership=owner, fmt="csv", query=f"q={MARKER}")
    ns.export_job = export_run(tenant=tenant, job_id=job.pk)


ROUTES = {
    "contacts:export_status": lambda ns: {"job_id": ns.export_job.pk},
    "contacts:export_progress": lambda ns: {"job_id": ns.export_job.pk},
    "contacts:export_download": lambda ns: {"job_id": ns.export_job.pk},
    "contact-export-detail": lambda ns: {"pk": ns.export_job.pk},
    "contact-export-download": lambda ns: {"pk": ns.export_job.pk},
}
