"""The queue page's rows, built in Python once per page rather than through the template
engine per row.

The queue shows 50 rows. Through Django's templates each row cost ~0.5 ms (three `{% url %}`
reversals, two `blocktranslate`s, three `get_*_display` lookups of lazy labels, `date` with
a time-zone conversion, `default` chains) and then, with those worked out in Python, still
~0.3 ms: the engine itself and the SLA timer's `{% include %}` per row — most of the page's
server time (docs/benchmarks.md, "Support queue and ticket page"). Here the URLs are one
reversal and a string join, the labels one lookup of strings translated once per page, and
every value goes through `escape()`; the SLA badge is support.sla.presenters.timer_badge,
which the ticket page's header prints too. tests/support/test_queue_pages.py checks what a
row shows; the browser tests use its data-testid hooks."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from crm.core.html import escape
from support.sla.presenters import timer_badge

from .models import Channel, Priority, Status, Ticket

# Priorities the row flags with a badge.
FLAGGED_PRIORITIES = (Priority.HIGH, Priority.URGENT)


@dataclass
class QueueNames:
    """Names by id for what the queue page does not join: users (assignees, lock holders),
    teams and categories."""

    users: dict[int, str] = field(default_factory=dict)
    teams: dict[int, str] = field(default_factory=dict)
    categories: dict[int, str] = field(default_factory=dict)


def _url_maker(name: str) -> Any:
    """A ticket id -> URL function with one `reverse` per page (the id is the path's only
    variable part)."""
    marker = 999_999_999_999_999_999
    head, tail = reverse(f"support:{name}", kwargs={"ticket_id": marker}).split(str(marker))
    return lambda pk: f"{head}{pk}{tail}"


def queue_rows(*, tickets: Iterable[Ticket], can_edit: bool, names: QueueNames) -> SafeString:
    """The <tr> rows of a queue page. The tickets come from `selectors.ticket_queue` (the
    contact joined, `lock_holder_id` set) with `support.sla.selectors.attach_timers` run on
    them; `names` names their assignees, lock holders, teams and categories."""
    detail_url = _url_maker("ticket_detail")
    assign_url = _url_maker("ticket_assign_me")
    statuses = {value: escape(label) for value, label in Status.choices}
    priorities = {value: escape(label) for value, label in Priority.choices}
    channels = {value: escape(label) for value, label in Channel.choices}
    select = _("Select #%(number)s")
    answered = _("Being answered by %(name)s")
    out: list[str] = []
    add = out.append
    for ticket in tickets:
        pk = ticket.pk
        url = detail_url(pk)
        add(
            f'\n  <tr class="queue-row priority-{escape(ticket.priority)}" tabindex="-1"'
            f' data-ticket-row data-id="{pk}" data-url="{url}"'
            f' data-assign-url="{assign_url(pk)}" data-testid="queue-row">\n    '
        )
        if can_edit:
            label = escape(select % {"number": ticket.number})
            add(
                '<td class="queue-check"><input class="form-check-input" type="checkbox"'
                f' name="tickets" value="{pk}" aria-label="{label}" data-testid="row-check">'
                "</td>"
            )
        add(
            f'\n    <td class="queue-subject"><a href="{url}" class="fw-semibold"'
            f' data-testid="row-link">#{ticket.number} {escape(ticket.subject)}</a>\n'
            '      <div class="small text-secondary d-flex flex-wrap gap-1 align-items-center">'
            f'\n        <span class="badge status-{escape(ticket.status)}"'
            f' data-testid="row-status">{statuses.get(ticket.status) or escape(ticket.status)}'
            "</span>"
        )
        if ticket.priority in FLAGGED_PRIORITIES:
            add(f'<span class="badge text-bg-warning">{priorities[ticket.priority]}</span>')
        add(f"<span>{channels.get(ticket.channel) or escape(ticket.channel)}</span>")
        category = names.categories.get(ticket.category_id) if ticket.category_id else None
        if category:
            add(f"<span>· {escape(category)}</span>")
        team = names.teams.get(ticket.team_id) if ticket.team_id else None
        if team:
            add(f"<span>· {escape(team)}</span>")
        for tag in ticket.tags or ():
            add(f'<span class="badge text-bg-light">{escape(tag)}</span>')
        customer = (
            escape(str(ticket.contact))
            if ticket.contact_id is not None
            else escape(ticket.requester_email)
        )
        add(f'\n        <span class="d-md-none">· {customer}</span>')
        holder_id = getattr(ticket, "lock_holder_id", None)
        holder = names.users.get(holder_id) if holder_id else None
        if holder:
            # As {% blocktranslate %} did: the value is escaped, the translation is not.
            add(
                '<span class="badge text-bg-info" data-testid="being-answered">'
                f'<i class="bi bi-pencil"></i> {answered % {"name": escape(holder)}}</span>'
            )
        assignee = escape(names.users.get(ticket.assignee_id, "—")) if ticket.assignee_id else "—"
        received = timezone.localtime(ticket.created_at).strftime("%Y-%m-%d %H:%M")
        add(
            f'\n      </div></td>\n    <td class="d-none d-md-table-cell small">{customer or "—"}'
            f'</td>\n    <td class="text-nowrap small">{timer_badge(ticket)}</td>\n'
            f'    <td class="d-none d-md-table-cell small" data-testid="row-assignee">{assignee}'
            f'</td>\n    <td class="d-none d-lg-table-cell small text-nowrap">{received}</td>'
            "\n  </tr>"
        )
    return mark_safe("".join(out))  # noqa: S308  (every value above went through escape())
