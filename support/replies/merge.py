"""Merge fields in reply templates: `{{ contact.last_name }}` and friends.

Our own tiny renderer on purpose: a regex finds `{{ name }}`, the name must be on the
allow-list below, and its value is inserted as plain text in one pass (a value that itself
looks like `{{ … }}` stays as it is). No Django or Jinja template ever sees a user's text,
so `{{ settings.SECRET_KEY }}`, `{% load %}` or `{{ contact.__class__ }}` have nothing to
reach: they are refused when a template is saved and left inert if they are in the text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

FIELD_RE = re.compile(r"\{\{\s*([^{}]*?)\s*\}\}")
TAG_RE = re.compile(r"\{%.*?%\}", re.S)

# name -> what it is (shown as help on the template form and in the API docs).
FIELDS: dict[str, Any] = {
    "contact.last_name": gettext_lazy("Customer's last name (姓)"),
    "contact.first_name": gettext_lazy("Customer's first name (名)"),
    "contact.full_name": gettext_lazy("Customer's full name"),
    "contact.company": gettext_lazy("Customer's company"),
    "contact.email": gettext_lazy("Customer's e-mail"),
    "ticket.number": gettext_lazy("Inquiry number"),
    "ticket.subject": gettext_lazy("Inquiry subject"),
    "ticket.category": gettext_lazy("Inquiry category"),
    "agent.name": gettext_lazy("Your name"),
    "agent.email": gettext_lazy("Your e-mail"),
    "tenant.name": gettext_lazy("Your company's name"),
    "today": gettext_lazy("Today's date"),
}


def allowed_fields_text() -> str:
    return ", ".join("{{ " + name + " }}" for name in FIELDS)


def check_body(body: str) -> None:
    """Raises ValidationError (key "body") naming every unknown field, with the allowed ones."""
    if TAG_RE.search(body or ""):
        raise ValidationError(
            {
                "body": _(
                    "Template tags such as {%% … %%} are not supported. Use only merge "
                    "fields: %(allowed)s."
                )
                % {"allowed": allowed_fields_text()}
            }
        )
    unknown = sorted({m.group(1) for m in FIELD_RE.finditer(body or "")} - set(FIELDS))
    if unknown:
        raise ValidationError(
            {
                "body": _("Unknown merge field %(unknown)s. Allowed fields: %(allowed)s.")
                % {
                    "unknown": ", ".join("{{ " + name + " }}" for name in unknown),
                    "allowed": allowed_fields_text(),
                }
            }
        )


def render(body: str, values: dict[str, str], *, marker: bool = False) -> str:
    """Fills the allowed fields from `values`. Missing (or empty) values render empty, or
    as a visible 【field】 marker when `marker` (the preview); unknown names stay untouched."""

    def fill(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in FIELDS:
            return match.group(0)
        value = values.get(name, "")
        if not value and marker:
            return f"【{name}】"
        return value

    return FIELD_RE.sub(fill, body or "")


@dataclass
class Sample:
    """A stand-in ticket for the preview when there is no real one to render against."""

    number: int = 1234
    subject: str = ""
    requester_name: str = ""
    contact: Any = None
    company: Any = None
    category: Any = None


def sample_ticket() -> Sample:
    from contacts.models import Contact

    return Sample(
        subject=_("About my order"),
        contact=Contact(last_name="山田", first_name="太郎", email="yamada@example.com"),
    )


def values_for(*, tenant: Any, ticket: Any, agent: Any) -> dict[str, str]:
    """The allow-listed values for one ticket and agent, every one a plain string.
    Reads the ticket's contact/company/category (select them with the ticket)."""
    contact = getattr(ticket, "contact", None)
    last = first = full = email = ""
    if contact is not None:
        last, first = contact.last_name or "", contact.first_name or ""
        full = f"{last} {first}".strip()
        email = contact.email or ""
    else:
        # No contact matched: the name the requester gave ("山田 太郎").
        full = (getattr(ticket, "requester_name", "") or "").strip().replace("\u3000", " ")
        last, _sep, first = full.partition(" ")
        email = getattr(ticket, "requester_email", "") or ""
    company = ""
    if contact is not None and getattr(contact, "company_id", None):
        company = contact.company.name
    elif getattr(ticket, "company", None) is not None:
        company = ticket.company.name
    category = getattr(ticket, "category", None)
    today = timezone.localdate(timezone=tenant.zone) if tenant is not None else None
    return {
        "contact.last_name": last.strip(),
        "contact.first_name": first.strip(),
        "contact.full_name": full,
        "contact.company": company,
        "contact.email": email,
        "ticket.number": str(ticket.number) if getattr(ticket, "number", None) else "",
        "ticket.subject": getattr(ticket, "subject", "") or "",
        "ticket.category": category.name if category is not None else "",
        "agent.name": str(agent) if agent is not None and getattr(agent, "pk", None) else "",
        "agent.email": getattr(agent, "email", "") or "",
        "tenant.name": tenant.name if tenant is not None else "",
        "today": today.strftime("%Y-%m-%d") if today else "",
    }
