"""Reads for exports: which contacts an export holds, and which jobs a member may see."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet
from django.http import QueryDict
from django.shortcuts import get_object_or_404

from contacts import selectors as contact_selectors
from contacts.models import Contact
from crm.core.customfields import definitions_for
from crm.core.models import CustomFieldDefinition, Membership, ObjectType, Tenant
from crm.core.roles import ADMINS

from .models import ExportJob

# The list's paging cursor is not a filter: an export holds the whole list, not one page.
NOT_FILTERS = ("before",)


@dataclass
class ExportSelection:
    contacts: QuerySet[Contact]
    definitions: list[CustomFieldDefinition]
    errors: dict[str, list[str]] = field(default_factory=dict)


def export_params(query: str | Mapping[str, Any]) -> QueryDict:
    """The list's query string as parameters, without the paging cursor."""
    params = QueryDict(query, mutable=True) if isinstance(query, str) else _as_querydict(query)
    for name in NOT_FILTERS:
        params.pop(name, None)
    return params


def _as_querydict(params: Mapping[str, Any]) -> QueryDict:
    if isinstance(params, QueryDict):
        return params.copy()
    result = QueryDict(mutable=True)
    for key, value in params.items():
        result[key] = value
    return result


def export_selection(
    *, tenant: Tenant, membership: Membership | None, query: str | Mapping[str, Any]
) -> ExportSelection:
    """The contacts of the list page for the same query string: the list's own reader of
    its parameters (contacts.selectors.contact_filters: built-in, custom-field and
    saved-view conditions) and record visibility, so new conditions flow in."""
    params = export_params(query)
    definitions = definitions_for(tenant=tenant, object_type=ObjectType.CONTACT)
    filters = contact_selectors.contact_filters(
        tenant=tenant, params=params, membership=membership, definitions=definitions
    )
    qs = contact_selectors.contact_list(tenant=tenant, membership=membership, filters=filters)
    return ExportSelection(qs, definitions, dict(filters.all_errors()))


def export_jobs(*, tenant: Tenant, membership: Membership) -> QuerySet[ExportJob]:
    """The jobs a member may see: their own; admins and owners see every job."""
    qs = ExportJob.objects.filter(tenant=tenant)
    if membership.role not in ADMINS:
        qs = qs.filter(requested_by_id=membership.user_id)
    return qs.select_related("requested_by").order_by("-id")


def access_export_job(*, tenant: Tenant, membership: Membership, job_id: int) -> ExportJob:
    """Another tenant's job, or another member's (for a non-admin), is not found (404):
    an export holds what its requester may see, which need not be what you may see."""
    return get_object_or_404(export_jobs(tenant=tenant, membership=membership), pk=job_id)
