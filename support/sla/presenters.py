"""The SLA timer badge, built in Python: the queue prints one per row (50 per page), where
an `{% include %}` each cost more than the rest of the row (docs/benchmarks.md, "Support
queue and ticket page"). templates/support/sla/partials/timer.html prints the same badge
through `{% sla_timer_badge %}`, so the markup lives here only."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

from crm.core.html import escape

ICONS = {"breached": "bi-exclamation-octagon", "paused": "bi-pause-circle"}
ATTRIBUTES = ("state", "target", "due", "minutes")
FORMATS = ("fmt_left", "fmt_over", "fmt_hm", "fmt_m")


def timer_badge(ticket: Any) -> SafeString:
    """The badge for `ticket.sla_timer` (set by selectors.attach_timers), else "paused"
    or the bare due time, else "". Every value is escaped."""
    timer = getattr(ticket, "sla_timer", None)
    if timer:
        data = "".join(f' data-{name}="{escape(timer[name])}"' for name in ATTRIBUTES)
        ticking = "1" if timer["ticking"] else "0"
        fmts = "".join(
            f' data-{name.replace("_", "-")}="{escape(timer[name])}"' for name in FORMATS
        )
        return mark_safe(  # noqa: S308  (every value above and below went through escape())
            f'<span class="badge sla-timer {escape(timer["css"])}" data-sla-timer'
            f' data-testid="sla-timer"{data} data-ticking="{ticking}"{fmts}'
            f' title="{escape(timer["title"])}"><i class="bi'
            f' {ICONS.get(timer["state"], "bi-stopwatch")}" aria-hidden="true"></i>'
            f' <span class="sla-timer-label">{escape(timer["label"])}</span></span>'
        )
    if ticket.sla_paused_at:
        return mark_safe(  # noqa: S308
            '<span class="badge sla-timer text-bg-secondary" data-sla-timer'
            ' data-testid="sla-timer" data-state="paused"><i class="bi bi-pause-circle"'
            f' aria-hidden="true"></i> {escape(gettext("Paused"))}</span>'
        )
    if ticket.sla_due_at:
        due = timezone.localtime(ticket.sla_due_at)
        return mark_safe(  # noqa: S308
            '<span class="badge sla-timer text-bg-light" data-sla-timer data-testid="sla-timer"'
            f' data-state="unknown" data-due="{due.isoformat()}" data-ticking="0"'
            f' title="{due:%Y-%m-%d %H:%M}"><i class="bi bi-stopwatch" aria-hidden="true"></i>'
            f" {due:%m/%d %H:%M}</span>"
        )
    return SafeString("")
