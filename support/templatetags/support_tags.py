from __future__ import annotations

from typing import Any

from django import template
from django.utils.safestring import SafeString

from support.sla.presenters import timer_badge
from support.tickets.presenters import queue_rows as build_queue_rows

register = template.Library()


@register.simple_tag
def queue_rows(tickets: Any, can_edit: bool) -> SafeString:
    """The queue page's rows (support.tickets.presenters.queue_rows)."""
    return build_queue_rows(tickets=tickets, can_edit=bool(can_edit))


@register.simple_tag
def sla_timer_badge(ticket: Any) -> SafeString:
    """A ticket's SLA timer badge (support.sla.presenters.timer_badge)."""
    return timer_badge(ticket)
