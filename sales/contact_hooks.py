"""What sales rows do when contacts merge or are purged (contacts' hook registries).

Registered from SalesConfig.ready(). Each hook is set-based: one statement per table.
"""

from __future__ import annotations

from contacts.dedupe import MergeContext, move_contact_references, register_merge_hook
from contacts.purge import delete_references, detach_references, register_purge_hook


def move_deal_links(ctx: MergeContext) -> int:
    """The other contact's deal links move to the survivor; a deal linked to both keeps one
    link (the unique (tenant, deal, contact) would refuse a second)."""
    from .deals.models import DealContact

    links = DealContact.objects.filter(tenant=ctx.tenant)
    survivor_deals = links.filter(contact_id=ctx.survivor_id).values("deal_id")
    dropped, _ = links.filter(contact_id=ctx.other_id, deal_id__in=survivor_deals).delete()
    return dropped + links.filter(contact_id=ctx.other_id).update(contact_id=ctx.survivor_id)


def move_attendee_links(ctx: MergeContext) -> int:
    """The other contact's places on activities move to the survivor; an activity both
    attend keeps one (the unique (tenant, activity, contact) would refuse a second)."""
    from .activities.models import ActivityAttendee

    rows = ActivityAttendee.objects.filter(tenant=ctx.tenant)
    survivor_activities = rows.filter(contact_id=ctx.survivor_id).values("activity_id")
    dropped, _ = rows.filter(contact_id=ctx.other_id, activity_id__in=survivor_activities).delete()
    return dropped + rows.filter(contact_id=ctx.other_id).update(contact_id=ctx.survivor_id)


def register() -> None:
    register_merge_hook(move_deal_links, covers=["sales.dealcontact.contact"])
    # The other contact's orders are the survivor's purchases now.
    register_merge_hook(move_contact_references("sales.Order", "contact"))
    # A purged contact's links to deals go with it; deals outlive a purged company. Orders
    # are the tenant's sales history: they stay, without the purged customer.
    register_purge_hook(delete_references("sales.DealContact", "contact"))
    register_purge_hook(detach_references("sales.Deal", "company"))
    register_purge_hook(detach_references("sales.Order", "contact"))
    register_purge_hook(detach_references("sales.Order", "company"))
    # Activities are the rep's record of work done: they stay, without the purged customer;
    # a purged contact leaves the attendee lists.
    register_merge_hook(move_contact_references("sales.Activity", "contact"))
    register_merge_hook(move_attendee_links, covers=["sales.activityattendee.contact"])
    register_purge_hook(detach_references("sales.Activity", "contact"))
    register_purge_hook(detach_references("sales.Activity", "company"))
    register_purge_hook(delete_references("sales.ActivityAttendee", "contact"))
