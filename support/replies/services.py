"""Writes of support.replies: reply templates (validated, one transaction, audited) and the
token sets of the similar-inquiries index (kept by ticket hooks and rebuilt set-based)."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import F
from django.utils.translation import gettext as _

from crm.core import context
from crm.core.models import Tenant
from crm.core.services.audit import audit_record, diff, snapshot
from support.tickets.models import DONE_STATUSES, Ticket, TicketCategory

from . import merge
from .models import ReplyTemplate, TemplateScope, TicketTokens
from .tokens import tokenize

EDITABLE = ("name", "body", "scope", "category", "shortcut")
SHORTCUT_RE = re.compile(r"^/[\w-]{1,39}$")


def _clean(
    *, tenant: Tenant, owner: Any, data: dict[str, Any], template: ReplyTemplate | None
) -> dict[str, Any]:
    """Normalized fields, or ValidationError with every problem at once (nothing saved)."""
    errors: dict[str, list[str]] = {}
    out = dict(data)
    if "name" in out:
        out["name"] = (out["name"] or "").strip()
        if not out["name"]:
            errors.setdefault("name", []).append(_("Give the template a name."))
        elif len(out["name"]) > 200:
            errors.setdefault("name", []).append(_("Use at most 200 characters for the name."))
    if "body" in out:
        out["body"] = (out["body"] or "").replace("\r\n", "\n")
        if not out["body"].strip():
            errors.setdefault("body", []).append(_("Write the text of the template."))
        else:
            try:
                merge.check_body(out["body"])
            except ValidationError as exc:
                errors.setdefault("body", []).extend(exc.message_dict["body"])
    if "scope" in out and out["scope"] not in TemplateScope.values:
        errors.setdefault("scope", []).append(_("Choose shared or personal."))
    if "shortcut" in out:
        shortcut = unicodedata.normalize("NFKC", (out["shortcut"] or "").strip()).lower()
        if shortcut and not shortcut.startswith("/"):
            shortcut = "/" + shortcut
        if shortcut and not SHORTCUT_RE.match(shortcut):
            errors.setdefault("shortcut", []).append(
                _(
                    "A shortcut is / followed by up to 39 letters, digits, - or _ "
                    "(for example /henpin)."
                )
            )
        out["shortcut"] = shortcut
    category = out.get("category")
    if category is not None and not isinstance(category, TicketCategory):
        category = TicketCategory.objects.filter(tenant=tenant, pk=category).first()
        if category is None:
            errors.setdefault("category", []).append(_("Choose one of the categories."))
        out["category"] = category
    if category is not None and category.tenant_id != tenant.pk:
        raise ValueError("template category across tenants")
    if not errors and out.get("shortcut"):
        scope = out.get("scope", template.scope if template else TemplateScope.SHARED)
        clash = ReplyTemplate.objects.filter(tenant=tenant, scope=scope, shortcut=out["shortcut"])
        if scope == TemplateScope.PERSONAL:
            clash = clash.filter(owner=template.owner if template else owner)
        if template is not None:
            clash = clash.exclude(pk=template.pk)
        if clash.exists():
            errors.setdefault("shortcut", []).append(
                _("Another template already uses the shortcut %(shortcut)s.")
                % {"shortcut": out["shortcut"]}
            )
    if errors:
        raise ValidationError(errors)
    return out


@transaction.atomic
def template_create(
    *,
    tenant: Tenant,
    actor: Any,
    name: str,
    body: str,
    scope: str = TemplateScope.SHARED,
    category: Any = None,
    shortcut: str = "",
) -> ReplyTemplate:
    """A shared template (anyone with support.edit edits it) or a personal one owned by
    `actor` (only they see it)."""
    if scope == TemplateScope.PERSONAL and not getattr(actor, "pk", None):
        raise ValidationError({"scope": [_("A personal template belongs to a signed-in person.")]})
    data = _clean(
        tenant=tenant,
        owner=actor,
        data={
            "name": name,
            "body": body,
            "scope": scope,
            "category": category,
            "shortcut": shortcut,
        },
        template=None,
    )
    template = ReplyTemplate.objects.create(
        tenant=tenant,
        owner=actor if data["scope"] == TemplateScope.PERSONAL else None,
        created_by=actor if getattr(actor, "pk", None) else None,
        **data,
    )
    audit_record(tenant=tenant, action="create", obj=template, actor=actor)
    return template


@transaction.atomic
def template_update(
    *, tenant: Tenant, template: ReplyTemplate, actor: Any, **fields: Any
) -> ReplyTemplate:
    """Changes any of EDITABLE. Making a shared template personal gives it to `actor`."""
    unknown = set(fields) - set(EDITABLE)
    if unknown:
        raise TypeError(f"template_update: unknown fields {sorted(unknown)}")
    if template.tenant_id != tenant.pk:
        raise ValueError("template_update across tenants")
    data = _clean(tenant=tenant, owner=actor, data=fields, template=template)
    before = snapshot(template, list(EDITABLE))
    for key, value in data.items():
        setattr(template, key, value)
    if template.scope == TemplateScope.PERSONAL and template.owner_id is None:
        if not getattr(actor, "pk", None):
            raise ValidationError(
                {"scope": [_("A personal template belongs to a signed-in person.")]}
            )
        template.owner = actor
    elif template.scope == TemplateScope.SHARED:
        template.owner = None
    template.save()
    changes = diff(before, snapshot(template, list(EDITABLE)))
    if changes:
        audit_record(tenant=tenant, action="update", obj=template, changes=changes, actor=actor)
    return template


@transaction.atomic
def template_delete(*, tenant: Tenant, template: ReplyTemplate, actor: Any) -> None:
    if template.tenant_id != tenant.pk:
        raise ValueError("template_delete across tenants")
    audit_record(tenant=tenant, action="delete", obj=template, actor=actor)
    template.delete()


def template_render(
    *,
    tenant: Tenant,
    template: ReplyTemplate | str,
    ticket: Any,
    agent: Any,
    count_use: bool = False,
    marker: bool = False,
) -> str:
    """The template's text for this ticket and agent. `count_use` when it goes into a reply
    (one UPDATE … SET usage_count = usage_count + 1, no read-modify-write)."""
    if isinstance(template, ReplyTemplate):
        if template.tenant_id != tenant.pk:
            raise ValueError("template_render across tenants")
        body = template.body
        if count_use:
            ReplyTemplate.objects.filter(tenant=tenant, pk=template.pk).update(
                usage_count=F("usage_count") + 1
            )
    else:
        body = template
    if getattr(ticket, "tenant_id", tenant.pk) != tenant.pk:
        raise ValueError("template_render across tenants")
    return merge.render(
        body, merge.values_for(tenant=tenant, ticket=ticket, agent=agent), marker=marker
    )


# --- similar inquiries: the token index ----------------------------------------------------

# The stats row holding the number of resolved/closed tickets indexed (no real token is "").
DOCS = ""


def ticket_tokens(ticket: Any) -> list[str]:
    return tokenize(ticket.subject or "", ticket.body or "")


def _bump_stats(tenant_id: int, tokens: list[str], delta: int) -> None:
    """df += delta for each token, and the document count, in one statement. Sorted, so two
    transactions lock the shared rows in the same order (no deadlock)."""
    if not tokens:
        return
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO support_similartokenstat (tenant_id, token, df)
            SELECT %s, t, %s FROM unnest(%s::text[]) AS t ORDER BY t
            ON CONFLICT (tenant_id, token)
              DO UPDATE SET df = GREATEST(support_similartokenstat.df + EXCLUDED.df, 0)
            """,
            [tenant_id, delta, sorted({*tokens, DOCS})],
        )


def similar_index_ticket(*, tenant: Tenant, ticket: Ticket) -> TicketTokens:
    """Stores the ticket's tokens and whether it is done; keeps the stats of done tickets
    (their df) in step: old tokens out if it was done, new ones in if it is done now."""
    if ticket.tenant_id != tenant.pk:
        raise ValueError("similar_index_ticket across tenants")
    tokens = ticket_tokens(ticket)
    done = ticket.status in DONE_STATUSES
    row = (
        TicketTokens.objects.select_for_update().filter(tenant=tenant, ticket_id=ticket.pk).first()
    )
    if row is None:
        row = TicketTokens.objects.create(tenant=tenant, ticket=ticket, tokens=tokens, is_done=done)
        if done:
            _bump_stats(tenant.pk, tokens, 1)
        return row
    if row.is_done:
        _bump_stats(tenant.pk, row.tokens, -1)
    if done:
        _bump_stats(tenant.pk, tokens, 1)
    row.tokens, row.is_done = tokens, done
    row.save(update_fields=["tokens", "is_done"])
    return row


def on_ticket_event(
    *, ticket: Ticket, event: str, message: Any = None, changes: Any = None, actor: Any = None
) -> None:
    """Ticket hook: index on creation; re-index when the status enters or leaves
    resolved/closed, or the subject changes."""
    if event == "created" or (
        event == "changed" and changes and ({"status", "subject"} & set(changes))
    ):
        active = context.current_tenant()
        tenant = active if active is not None and active.pk == ticket.tenant_id else ticket.tenant
        similar_index_ticket(tenant=tenant, ticket=ticket)


def similar_rebuild(*, tenant: Tenant, batch: int = 5000) -> int:
    """Rebuilds the tenant's index set-based: tickets streamed in id order and tokenized,
    COPYed into a staging table, then one INSERT … ON CONFLICT into the token sets and one
    INSERT … SELECT … GROUP BY for the stats. Returns the number of tickets indexed."""
    done_values = [str(s) for s in DONE_STATUSES]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS replies_stage")
        cursor.execute(
            "CREATE TEMP TABLE replies_stage (ticket_id bigint, tokens text[], is_done boolean)"
            " ON COMMIT DROP"
        )
        raw = cursor.cursor  # psycopg 3's own cursor: COPY
        count, last_id = 0, 0
        while True:
            # Batches by id (keyset); a batch is read before its COPY starts, as a connection
            # runs no other statement while a COPY is open.
            rows = list(
                Ticket.objects.filter(tenant=tenant, id__gt=last_id)
                .order_by("id")
                .values_list("id", "subject", "body", "status")[:batch]
            )
            if not rows:
                break
            with raw.copy("COPY replies_stage (ticket_id, tokens, is_done) FROM STDIN") as copy:
                for ticket_id, subject, body, status in rows:
                    copy.write_row(
                        (ticket_id, tokenize(subject or "", body or ""), status in done_values)
                    )
            count += len(rows)
            last_id = rows[-1][0]
        cursor.execute(
            """
            INSERT INTO support_tickettokens (tenant_id, ticket_id, tokens, is_done)
            SELECT %s, ticket_id, tokens, is_done FROM replies_stage
            ON CONFLICT (tenant_id, ticket_id)
              DO UPDATE SET tokens = EXCLUDED.tokens, is_done = EXCLUDED.is_done
            """,
            [tenant.pk],
        )
        cursor.execute("DELETE FROM support_similartokenstat WHERE tenant_id = %s", [tenant.pk])
        cursor.execute(
            """
            INSERT INTO support_similartokenstat (tenant_id, token, df)
            SELECT %s, t, count(*) FROM support_tickettokens, unnest(tokens) AS t
             WHERE tenant_id = %s AND is_done GROUP BY t
            UNION ALL
            SELECT %s, '', count(*) FROM support_tickettokens WHERE tenant_id = %s AND is_done
            """,
            [tenant.pk, tenant.pk, tenant.pk, tenant.pk],
        )
    return count
