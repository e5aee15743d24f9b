"""CTI reads: a member's open pops (only their own calls, in the active tenant), the settings
page's rows."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.http import Http404
from django.utils import timezone

from contacts.models import Contact, Interaction
from contacts.selectors import visible_contacts
from crm.core.models import Membership, Tenant

from .models import CtiCall, CtiExtension, CtiSettings

POP_WINDOW = dt.timedelta(hours=12)  # an unanswered pop older than a working day is noise
MAX_POPS = 5
TIMELINE_ENTRIES = 3


@dataclass
class Pop:
    call: CtiCall
    contact: Contact | None
    others: list[Contact] = field(default_factory=list)
    entries: list[Interaction] = field(default_factory=list)
    hidden_match: bool = False  # the number is on file, but not on a record this member sees

    @property
    def version(self) -> str:
        """Changes whenever what the pop shows changes (the poller redraws it then)."""
        return f"{self.call.state}:{self.call.contact_id}:{self.call.outcome}"


def open_calls(*, tenant: Tenant, user_id: int | None) -> list[CtiCall]:
    if user_id is None:  # an API key has no extension
        return []
    return list(
        CtiCall.objects.filter(
            tenant=tenant,
            agent_id=user_id,
            dismissed_at=None,
            outcome="",
            created_at__gte=timezone.now() - POP_WINDOW,
        ).order_by("-id")[:MAX_POPS]
    )


def pops_for(*, tenant: Tenant, membership: Membership | None, user_id: int | None) -> list[Pop]:
    """The member's ringing/unlogged calls with what the pop shows. Contacts go through the
    record-visibility rule like everywhere else."""
    calls = open_calls(tenant=tenant, user_id=user_id)
    if not calls:
        return []
    wanted = {pk for call in calls for pk in call.matched_contact_ids}
    if calls and any(c.contact_id for c in calls):
        wanted |= {c.contact_id for c in calls if c.contact_id}
    contacts = {
        c.pk: c
        for c in visible_contacts(tenant, membership)
        .filter(pk__in=wanted)
        .select_related("company")
    }
    pops = []
    for call in calls:
        ids = call.matched_contact_ids or ([call.contact_id] if call.contact_id else [])
        if call.contact_id and call.contact_id not in ids:
            ids = [call.contact_id, *ids]
        seen = [contacts[pk] for pk in ids if pk in contacts]
        main = contacts.get(call.contact_id) if call.contact_id else None
        if main is None and seen:
            main = seen[0]
        pop = Pop(
            call=call,
            contact=main,
            others=[c for c in seen if c is not main],
            hidden_match=bool(ids) and not seen,
        )
        if main is not None:
            qs = Interaction.objects.filter(tenant=tenant, contact=main)
            if call.interaction_id:
                qs = qs.exclude(pk=call.interaction_id)
            pop.entries = list(qs.order_by("-occurred_at", "-id")[:TIMELINE_ENTRIES])
        pops.append(pop)
    return pops


def access_open_call(*, tenant: Tenant, user_id: int | None, call_id: int) -> CtiCall:
    """A call of this member's, in this tenant; anyone else's (or another tenant's) is 404."""
    if user_id is None:
        raise Http404
    call = CtiCall.objects.filter(tenant=tenant, agent_id=user_id, pk=call_id).first()
    if call is None:
        raise Http404
    return call


def cti_settings(*, tenant: Tenant) -> CtiSettings | None:
    return CtiSettings.objects.filter(tenant=tenant).first()


def extension_list(*, tenant: Tenant) -> list[CtiExtension]:
    return list(
        CtiExtension.objects.filter(tenant=tenant).select_related("user").order_by("extension")
    )


def access_extension(*, tenant: Tenant, extension_id: int) -> CtiExtension:
    row = CtiExtension.objects.filter(tenant=tenant, pk=extension_id).select_related("user").first()
    if row is None:
        raise Http404
    return row


EXTENSION_USERS = "cti-extension-users"


def extension_users(*, tenant: Tenant) -> frozenset[int]:
    """The ids of the members with an extension (they get the screen pop script on every
    page), kept in the cache (crm.core.tenantcache; an extension saved or deleted drops it):
    base.html asked the database on every page."""
    from crm.core import tenantcache

    return tenantcache.cached(
        tenant.pk,
        EXTENSION_USERS,
        lambda: frozenset(
            CtiExtension.objects.filter(tenant=tenant).values_list("user_id", flat=True)
        ),
    )
