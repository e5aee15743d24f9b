"""Writes of the FAQ: articles (every way in sanitizes the HTML and rebuilds the search
columns), categories, votes, views and deflections, and "turn an answer into a draft"."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from crm.core.models import AuditLog, Tenant
from crm.core.services.audit import audit_record, diff, snapshot

from . import text
from .models import Article, ArticleCategory, ArticleStatus, Deflection, DeflectionSource

ARTICLE_FIELDS = ("category", "slug", "title_ja", "body_ja", "title_en", "body_en")
AUDITED = ["category_id", "status", "slug", "title_ja", "body_ja", "title_en", "body_en"]
MAX_BODY = 200_000


def _user(actor: Any) -> Any:
    return actor if getattr(actor, "pk", None) and hasattr(actor, "email") else None


def _clean_category(tenant: Tenant, value: Any) -> ArticleCategory | None:
    if value in (None, ""):
        return None
    if isinstance(value, ArticleCategory):
        if value.tenant_id != tenant.pk:
            raise ValidationError({"category": _("Choose one of this FAQ's categories.")})
        return value
    try:
        return ArticleCategory.objects.get(tenant=tenant, pk=int(value))
    except (TypeError, ValueError, ArticleCategory.DoesNotExist):
        raise ValidationError({"category": _("Choose one of this FAQ's categories.")}) from None


def _unique_slug(tenant: Tenant, wanted: str, article_id: int | None) -> str:
    base = slugify(wanted, allow_unicode=True)[:100] or "article"
    taken = set(
        Article.objects.filter(tenant=tenant, slug__startswith=base)
        .exclude(pk=article_id or 0)
        .values_list("slug", flat=True)
    )
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    return slug


def _apply(tenant: Tenant, article: Article, data: dict[str, Any]) -> None:
    errors: dict[str, str] = {}
    for lang in ("ja", "en"):
        if f"title_{lang}" in data:
            setattr(article, f"title_{lang}", " ".join(str(data[f"title_{lang}"] or "").split()))
        if f"body_{lang}" in data:
            body = text.sanitize_html(str(data[f"body_{lang}"] or ""))
            # An editor left empty sends <p><br></p>: no text is no body.
            setattr(article, f"body_{lang}", body if text.plain_text(body) else "")
    for lang in ("ja", "en"):
        title, body = getattr(article, f"title_{lang}"), getattr(article, f"body_{lang}")
        if len(title) > 300:
            errors[f"title_{lang}"] = _("Keep the title under 300 characters.")
        if len(body) > MAX_BODY:
            errors[f"body_{lang}"] = _("The text is too long; split it into several articles.")
        if text.plain_text(body) and not title:
            errors[f"title_{lang}"] = _("Give this language's version a title.")
    if not article.title_ja and not article.title_en and "title_ja" not in errors:
        errors["title_ja"] = _("Write a title in Japanese or English (or both).")
    if "category" in data:
        try:
            article.category = _clean_category(tenant, data["category"])
        except ValidationError as exc:
            errors.update({k: v[0] for k, v in exc.message_dict.items()})
    if errors:
        raise ValidationError(errors)
    wanted = str(data.get("slug") or "").strip() if "slug" in data else article.slug
    if not wanted or "slug" in data or not article.slug:
        wanted = wanted or article.title_en or article.title_ja
        article.slug = _unique_slug(tenant, wanted, article.pk)
    _index(article)


def _index(article: Article) -> None:
    bodies = [text.plain_text(article.body_ja), text.plain_text(article.body_en)]
    titles = [article.title_ja, article.title_en]
    article.search_text = text.search_text([*titles, *bodies])
    article._vector_literal = text.vector_literal(titles, bodies)  # type: ignore[attr-defined]


def _save(article: Article) -> None:
    """Saves the row; two writers picking the same free slug at once: the loser is told."""
    try:
        with transaction.atomic():
            article.save()
    except IntegrityError:
        raise ValidationError(
            {"slug": _("Another article has just taken this address; choose another.")}
        ) from None


def _write_vector(article: Article) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE support_article SET search_vector = %s::tsvector"
            " WHERE tenant_id = %s AND id = %s",
            [article._vector_literal, article.tenant_id, article.pk],  # type: ignore[attr-defined]
        )


@transaction.atomic
def article_create(
    *,
    tenant: Tenant,
    actor: Any = None,
    status: str = ArticleStatus.DRAFT,
    created_from_ticket: Any = None,
    **data: Any,
) -> Article:
    """A new article (a draft unless status="published"). Bodies are sanitized HTML."""
    unknown = set(data) - set(ARTICLE_FIELDS)
    if unknown:
        raise TypeError(f"article_create: unknown fields {sorted(unknown)}")
    if status not in ArticleStatus.values:
        raise ValidationError({"status": _("Choose draft or published.")})
    article = Article(tenant=tenant, author=_user(actor), created_from_ticket=created_from_ticket)
    _apply(tenant, article, data)
    article.status = status
    if status == ArticleStatus.PUBLISHED:
        article.published_at = timezone.now()
    _save(article)
    _write_vector(article)
    audit_record(
        tenant=tenant,
        action=AuditLog.Action.CREATE,
        obj=article,
        actor=_user(actor),
        changes=diff({}, snapshot(article, AUDITED)),
    )
    return article


@transaction.atomic
def article_update(*, tenant: Tenant, article: Article, actor: Any = None, **data: Any) -> Article:
    """Changes any of ARTICLE_FIELDS (and status); nothing is stored if any value is bad."""
    status = data.pop("status", None)
    unknown = set(data) - set(ARTICLE_FIELDS)
    if unknown:
        raise TypeError(f"article_update: unknown fields {sorted(unknown)}")
    if article.tenant_id != tenant.pk:
        raise ValueError("article_update across tenants")
    article = Article.objects.select_for_update().get(tenant=tenant, pk=article.pk)
    before = snapshot(article, AUDITED)
    _apply(tenant, article, data)
    if status is not None:
        if status not in ArticleStatus.values:
            raise ValidationError({"status": _("Choose draft or published.")})
        _set_status(article, status)
    _save(article)
    _write_vector(article)
    changes = diff(before, snapshot(article, AUDITED))
    if changes:
        audit_record(
            tenant=tenant,
            action=AuditLog.Action.UPDATE,
            obj=article,
            actor=_user(actor),
            changes=changes,
        )
    return article


def _set_status(article: Article, status: str) -> None:
    if status == ArticleStatus.PUBLISHED and article.status != status:
        article.published_at = timezone.now()
    article.status = status


@transaction.atomic
def article_set_status(
    *, tenant: Tenant, article: Article, status: str, actor: Any = None
) -> Article:
    """Publish or unpublish (back to draft). Publishing needs a title and a body in at least
    one language."""
    if status not in ArticleStatus.values:
        raise ValidationError({"status": _("Choose draft or published.")})
    article = Article.objects.select_for_update().get(tenant=tenant, pk=article.pk)
    if status == ArticleStatus.PUBLISHED and not any(
        getattr(article, f"title_{lang}") and text.plain_text(getattr(article, f"body_{lang}"))
        for lang in ("ja", "en")
    ):
        raise ValidationError(
            {"status": _("Write a title and some text in at least one language before publishing.")}
        )
    before = snapshot(article, AUDITED)
    _set_status(article, status)
    article.save(update_fields=["status", "published_at", "updated_at"])
    audit_record(
        tenant=tenant,
        action=AuditLog.Action.UPDATE,
        obj=article,
        actor=_user(actor),
        changes=diff(before, snapshot(article, AUDITED)),
    )
    return article


@transaction.atomic
def article_delete(*, tenant: Tenant, article: Article, actor: Any = None) -> None:
    if article.tenant_id != tenant.pk:
        raise ValueError("article_delete across tenants")
    audit_record(
        tenant=tenant,
        action=AuditLog.Action.DELETE,
        obj=article,
        actor=_user(actor),
        changes=diff(snapshot(article, AUDITED), {}),
    )
    Article.objects.filter(tenant=tenant, pk=article.pk).delete()


def article_from_ticket(*, tenant: Tenant, ticket: Any, actor: Any = None) -> Article:
    """A draft from a resolved inquiry: the subject as title, the last reply (escaped into
    paragraphs) as body, in the ticket's language."""
    from support.tickets.models import DONE_STATUSES, MessageKind, TicketMessage

    if ticket.tenant_id != tenant.pk:
        raise ValueError("article_from_ticket across tenants")
    if ticket.status not in DONE_STATUSES:
        raise ValidationError(_("Only a resolved or closed inquiry can become an FAQ draft."))
    reply = (
        TicketMessage.objects.filter(tenant=tenant, ticket=ticket, kind=MessageKind.REPLY)
        .order_by("-created_at", "-id")
        .first()
    )
    if reply is None:
        raise ValidationError(_("This inquiry has no reply to turn into an article yet."))
    lang = "en" if (ticket.language or "")[:2] == "en" else "ja"
    return article_create(
        tenant=tenant,
        actor=actor,
        created_from_ticket=ticket,
        **{f"title_{lang}": ticket.subject[:300], f"body_{lang}": text.paragraphs_html(reply.body)},
    )


# Categories -----------------------------------------------------------------------------


def _category_fields(data: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for field in ("name_ja", "name_en"):
        if field in data:
            out[field] = str(data[field] or "").strip()
            if len(out[field]) > 100:
                errors[field] = _("Keep the name under 100 characters.")
    if "position" in data:
        try:
            out["position"] = max(0, int(data["position"] or 0))
        except (TypeError, ValueError):
            errors["position"] = _("Enter a whole number.")
    if errors:
        raise ValidationError(errors)
    return out


@transaction.atomic
def category_create(*, tenant: Tenant, actor: Any = None, **data: Any) -> ArticleCategory:
    fields = _category_fields(data)
    if not fields.get("name_ja") and not fields.get("name_en"):
        raise ValidationError({"name_ja": _("Name the category in Japanese or English.")})
    category = ArticleCategory.objects.create(tenant=tenant, **fields)
    audit_record(tenant=tenant, action=AuditLog.Action.CREATE, obj=category, actor=_user(actor))
    return category


@transaction.atomic
def category_update(
    *, tenant: Tenant, category: ArticleCategory, actor: Any = None, **data: Any
) -> ArticleCategory:
    fields = _category_fields(data)
    before = snapshot(category, ["name_ja", "name_en", "position"])
    for name, value in fields.items():
        setattr(category, name, value)
    if not category.name_ja and not category.name_en:
        raise ValidationError({"name_ja": _("Name the category in Japanese or English.")})
    category.save()
    audit_record(
        tenant=tenant,
        action=AuditLog.Action.UPDATE,
        obj=category,
        actor=_user(actor),
        changes=diff(before, snapshot(category, ["name_ja", "name_en", "position"])),
    )
    return category


@transaction.atomic
def category_delete(*, tenant: Tenant, category: ArticleCategory, actor: Any = None) -> None:
    """Its articles stay, without a category."""
    audit_record(tenant=tenant, action=AuditLog.Action.DELETE, obj=category, actor=_user(actor))
    ArticleCategory.objects.filter(tenant=tenant, pk=category.pk).delete()


# Visitors -------------------------------------------------------------------------------


def article_viewed(*, tenant: Tenant, article: Article) -> None:
    Article.objects.filter(tenant=tenant, pk=article.pk).update(views=F("views") + 1)


def article_vote(*, tenant: Tenant, article: Article, helpful: bool) -> None:
    """One vote (the caller keeps it to one per browser)."""
    column = "helpful_yes" if helpful else "helpful_no"
    Article.objects.filter(tenant=tenant, pk=article.pk).update(**{column: F(column) + 1})


def deflection_record(*, tenant: Tenant, article: Article, source: str) -> Deflection:
    if source not in DeflectionSource.values:
        source = DeflectionSource.PORTAL
    return Deflection.objects.create(tenant=tenant, article=article, source=source)
