from __future__ import annotations

from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404

from crm.core.models import Tenant

from .models import Contact


def access_contact(*, tenant: Tenant, contact_id: int) -> Contact:
    """Another tenant's contact is simply not found (404), never forbidden."""
    return get_object_or_404(Contact.objects.filter(tenant=tenant), pk=contact_id)


def contact_list(*, tenant: Tenant, q: str = "") -> QuerySet[Contact]:
    qs = Contact.objects.filter(tenant=tenant).select_related("owner")
    if q:
        qs = qs.filter(
            Q(last_name__icontains=q)
            | Q(first_name__icontains=q)
            | Q(last_name_kana__icontains=q)
            | Q(first_name_kana__icontains=q)
            | Q(email__icontains=q)
            | Q(phone__icontains=q)
        )
    return qs.order_by("-id")
