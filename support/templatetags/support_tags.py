from __future__ import annotations

from typing import Any

from django import template
from django.utils.safestring import SafeString, mark_safe

from crm.core.html import escape
from support.sla.presenters import timer_badge
from support.tickets.presenters import queue_rows as build_queue_rows

register = template.Library()


@register.simple_tag
def queue_rows(tickets: Any, can_edit: bool, names: Any) -> SafeString:
    """The queue page's rows (support.tickets.presenters.queue_rows)."""
    return build_queue_rows(tickets=tickets, can_edit=bool(can_edit), names=names)


@register.simple_tag
def sla_timer_badge(ticket: Any) -> SafeString:
    """A ticket's SLA timer badge (support.sla.presenters.timer_badge)."""
    return timer_badge(ticket)


@register.simple_tag
def select_options(choices: Any, selected: Any = None) -> SafeString:
    """<option>s for (value, label) pairs, `selected` marked: one call instead of a
    template loop with a comparison per option (the queue page has nine such selects)."""
    out = []
    for value, label in choices:
        mark = " selected" if selected is not None and value == selected else ""
        out.append(f'<option value="{escape(value)}"{mark}>{escape(label)}</option>')
    return mark_safe("".join(out))  # noqa: S308  (values and labels escaped)
