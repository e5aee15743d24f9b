"""Reads for inquiry forms: the admin's list, one form by id (404 for another tenant's), its
submissions keyset-paginated, and the public lookup by tenant slug and form key."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Max, QuerySet
from django.http import Http404

from crm.core.models import Tenant

from .models import FormField, FormSubmission, InquiryForm

PAGE = 50


def form_list(*, tenant: Tenant) -> QuerySet[InquiryForm]:
    return (
        InquiryForm.objects.filter(tenant=tenant)
        .annotate(
            submission_count=Count("submissions"),
            last_submission_at=Max("submissions__created_at"),
        )
        .order_by("-id")
    )


def access_form(*, tenant: Tenant, form_id: int | str) -> InquiryForm:
    """One of this tenant's forms, or 404 (another tenant's id is simply not found)."""
    try:
        pk = int(form_id)
    except (TypeError, ValueError):
        raise Http404 from None
    found = InquiryForm.objects.filter(tenant=tenant, pk=pk).first()
    if found is None:
        raise Http404
    return found


def form_fields(*, tenant: Tenant, form: InquiryForm) -> list[FormField]:
    return list(FormField.objects.filter(tenant=tenant, form=form).order_by("position", "id"))


@dataclass
class SubmissionPage:
    rows: list[FormSubmission]
    next_cursor: int | None


def submission_page(
    *, tenant: Tenant, form: InquiryForm, after: int | None = None, size: int = PAGE
) -> SubmissionPage:
    """Newest first, `after` = the last id seen: one query whatever the page."""
    qs = (
        FormSubmission.objects.filter(tenant=tenant, form=form)
        .select_related("ticket", "contact")
        .order_by("-id")
    )
    if after:
        qs = qs.filter(pk__lt=after)
    rows = list(qs[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    return SubmissionPage(rows=rows, next_cursor=rows[-1].pk if more and rows else None)


def public_tenant(*, slug: str) -> Tenant:
    """The tenant of a public URL, by slug only."""
    found = Tenant.objects.filter(slug=slug).first()
    if found is None:
        raise Http404
    return found


def public_form(*, tenant: Tenant, key: str) -> InquiryForm:
    """A published form of this tenant (call inside its tenant context); else 404."""
    found = (
        InquiryForm.objects.filter(tenant=tenant, key=key, published=True)
        .select_related("tenant")
        .first()
    )
    if found is None:
        raise Http404
    return found
