"""What a queue row prints, worked out once per page in Python rather than per row in the
template.

The queue page shows 50 rows; through Django's template engine each row cost ~0.5 ms on a
quiet machine (three `{% url %}` reversals, two `blocktranslate`s, three `get_*_display`
lookups of lazy labels, `date` with a time-zone conversion, `default` chains that call
`str()` on the contact twice), which was most of the page's server time
(docs/benchmarks.md, "Support queue and ticket page"). Here the URLs are one reversal and a
string join, the labels one lookup of strings translated once per page, and the small
optional badges (category, team, tags, "being answered by") one `format_html` each; the
template prints the results. The markup is the template's: `templates/support/tickets/
queue.html` still holds the row, and tests/support/test_queue_pages.py checks what a row
shows."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape, format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from .models import Channel, Priority, Status, Ticket

# Priorities the row flags with a badge.
FLAGGED_PRIORITIES = (Priority.HIGH, Priority.URGENT)


@dataclass(frozen=True)
class QueueRow:
    url: str
    assign_url: str
    select_label: str
    status_label: str
    priority_label: str  # "" unless the priority is flagged
    channel_label: str
    badges: SafeString  # category, team and tags spans
    customer: str  # the contact, else the requester's address, else ""
    lock: SafeString  # the "being answered by" badge, or ""
    assignee: str
    received: str


def _url_maker(name: str) -> Any:
    """A ticket id -> URL function with one `reverse` per page (the id is the path's only
    variable part)."""
    marker = 999_999_999_999_999_999
    head, tail = reverse(f"support:{name}", kwargs={"ticket_id": marker}).split(str(marker))
    return lambda pk: f"{head}{pk}{tail}"


def attach_queue_rows(*, tickets: Iterable[Ticket]) -> None:
    """Sets `ticket.row` (a QueueRow) on each ticket of a queue page. The tickets come from
    `selectors.ticket_queue` (assignee, team, category, contact and `lock_holder` loaded)."""
    detail_url = _url_maker("ticket_detail")
    assign_url = _url_maker("ticket_assign_me")
    statuses = {value: str(label) for value, label in Status.choices}
    priorities = {value: str(label) for value, label in Priority.choices}
    channels = {value: str(label) for value, label in Channel.choices}
    select = _("Select #%(number)s")
    answered = _("Being answered by %(name)s")
    for ticket in tickets:
        badges = []
        if ticket.category_id is not None and ticket.category is not None:
            badges.append(format_html("<span>· {}</span>", ticket.category.name))
        if ticket.team_id is not None and ticket.team is not None:
            badges.append(format_html("<span>· {}</span>", ticket.team.name))
        if ticket.tags:
            badges.append(
                format_html_join(
                    "", '<span class="badge text-bg-light">{}</span>', ((t,) for t in ticket.tags)
                )
            )
        holder = getattr(ticket, "lock_holder", None)
        # As {% blocktranslate %}: the value is escaped, the translation is not.
        lock = (
            format_html(
                '<span class="badge text-bg-info" data-testid="being-answered">'
                '<i class="bi bi-pencil"></i> {}</span>',
                mark_safe(answered % {"name": escape(holder)}),  # noqa: S308
            )
            if holder
            else SafeString("")
        )
        customer = ticket.contact if ticket.contact_id is not None else None
        ticket.row = QueueRow(  # type: ignore[attr-defined]
            url=detail_url(ticket.pk),
            assign_url=assign_url(ticket.pk),
            select_label=select % {"number": ticket.number},
            status_label=statuses.get(ticket.status, ticket.status),
            priority_label=priorities[ticket.priority]
            if ticket.priority in FLAGGED_PRIORITIES
            else "",
            channel_label=channels.get(ticket.channel, ticket.channel),
            badges=SafeString("".join(badges)),
            customer=str(customer) if customer is not None else ticket.requester_email,
            lock=lock,
            assignee=str(ticket.assignee) if ticket.assignee_id is not None else "—",
            received=timezone.localtime(ticket.created_at).strftime("%Y-%m-%d %H:%M"),
        )
