"""Writes for companies, contacts and the timeline. Every way in (form, API, other apps)
calls these: they normalize (contacts.cleaning), validate, save in one transaction, audit,
and keep the derived columns (`search_text`, `email_key`) right."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import F as Field
from django.db.models import Func, Q, QuerySet, Value
from django.db.models.functions import Greatest, Now
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.core import context, normalize
from crm.core.customfields import definitions_for, save_custom_fields
from crm.core.models import AuditLog, ObjectType, Tenant, User
from crm.core.services.audit import audit_record, diff, snapshot

from . import cleaning
from .cleaning import FieldErrors
from .models import Company, Contact, Interaction, InteractionKind, LifecycleStage

RESTORE_DAYS = 30

CONTACT_FIELDS = (
    "last_name",
    "first_name",
    "last_name_kana",
    "first_name_kana",
    "company",
    "department",
    "title",
    "email",
    "phone",
    "mobile",
    "postal_code",
    "prefecture",
    "address",
    "birth_date",
    "gender",
    "lifecycle_stage",
    "source",
    "customer_code",
    "owner",
    "tags",
    "do_not_email",
    "do_not_call",
    "do_not_mail",
)
EDITABLE = (*CONTACT_FIELDS, "custom_fields")  # kept for callers of the first version
COMPANY_FIELDS = (
    "name",
    "name_kana",
    "corporate_number",
    "industry",
    "size",
    "postal_code",
    "prefecture",
    "address",
    "phone",
    "website",
    "owner",
    "tags",
)
# What the audit log and the timeline's field changes compare (derived columns left out).
CONTACT_AUDITED = [
    f"{name}_id" if name in ("company", "owner") else name for name in CONTACT_FIELDS
] + ["custom_fields", "deleted_at"]
COMPANY_AUDITED = [f"{name}_id" if name == "owner" else name for name in COMPANY_FIELDS] + [
    "custom_fields",
    "deleted_at",
]


# --- cleaning ---------------------------------------------------------------------------------
def _clean_common(tenant: Tenant, data: dict[str, Any], errors: FieldErrors) -> None:
    for name in ("department", "title", "source", "address", "industry", "name", "last_name"):
        errors.run(name, data, cleaning.text)
    errors.run("first_name", data, cleaning.text)
    errors.run("phone", data, cleaning.phone)
    errors.run("mobile", data, cleaning.phone)
    errors.run("postal_code", data, cleaning.postal_code)
    errors.run("prefecture", data, cleaning.prefecture)
    errors.run("tags", data, cleaning.tags)
    errors.run("owner", data, cleaning.owner(tenant))


def clean_contact_data(
    *, tenant: Tenant, data: dict[str, Any], existing: Contact | None = None
) -> dict[str, Any]:
    """The contact fields in `data`, normalized; raises ValidationError by field."""
    data = {key: value for key, value in data.items() if key in CONTACT_FIELDS}
    errors = FieldErrors()
    _clean_common(tenant, data, errors)
    for name in ("last_name_kana", "first_name_kana"):
        errors.run(name, data, cleaning.kana)
    errors.run("email", data, cleaning.email)
    errors.run("birth_date", data, cleaning.birth_date)
    errors.run("customer_code", data, cleaning.code)
    errors.run("company", data, cleaning.company(tenant))
    for flag in ("do_not_email", "do_not_call", "do_not_mail"):
        if flag in data:
            data[flag] = bool(data[flag])
    if data.get("lifecycle_stage") in (None, "") and "lifecycle_stage" in data:
        data["lifecycle_stage"] = LifecycleStage.LEAD
    for choice in ("gender",):
        if choice in data and data[choice] is None:
            data[choice] = ""
    if "postal_code" not in errors.errors:
        cleaning.fill_address_from_postal_code(data, existing)

    def usable(name: str) -> Any:
        if name in errors.errors:  # an invalid e-mail or phone does not identify anyone
            return ""
        return data[name] if name in data else getattr(existing, name, "")

    if not any(usable(n) for n in ("last_name", "first_name", "email", "phone", "mobile")):
        errors.add("last_name", _("Enter a name, an e-mail address or a phone number."))
    errors.raise_if_any()
    return data


def clean_company_data(
    *, tenant: Tenant, data: dict[str, Any], existing: Company | None = None
) -> dict[str, Any]:
    data = {key: value for key, value in data.items() if key in COMPANY_FIELDS}
    errors = FieldErrors()
    _clean_common(tenant, data, errors)
    errors.run("name_kana", data, cleaning.kana)
    errors.run("corporate_number", data, cleaning.corporate_number)
    errors.run("website", data, cleaning.website)
    if data.get("size") is None and "size" in data:
        data["size"] = ""
    if "postal_code" not in errors.errors:
        cleaning.fill_address_from_postal_code(data, existing)
    name = data["name"] if "name" in data else getattr(existing, "name", "")
    if not name:
        errors.add("name", _("Enter the company name."))
    errors.raise_if_any()
    return data


def _refresh_search_text(tenant: Tenant, contact: Contact) -> None:
    contact.email_key = normalize.email_match_key(contact.email) if contact.email else ""
    definitions = definitions_for(tenant=tenant, object_type=ObjectType.CONTACT)
    contact.search_text = cleaning.search_text(
        fields={name: getattr(contact, name) for name in CONTACT_FIELDS if name != "company"},
        company_name=contact.company.name if contact.company_id and contact.company else "",
        custom_fields=contact.custom_fields,
        definitions=definitions,
    )


def _save(obj: Contact | Company) -> None:
    """Full validation, then save; a concurrent duplicate customer code that slipped past
    the check becomes the same field message instead of a 500."""
    if isinstance(obj, Contact) and obj.customer_code:
        held_by_deleted = (
            Contact.objects.filter(
                tenant_id=obj.tenant_id,
                customer_code=obj.customer_code,
                deleted_at__isnull=False,
            )
            .exclude(pk=obj.pk)
            .exists()
        )
        if held_by_deleted:
            raise _validation(
                "customer_code",
                _(
                    "A recently deleted contact has this customer code. Restore that contact "
                    "from “Recently deleted”, or use another code."
                ),
            )
    obj.full_clean(exclude=["tenant", "owner", "company"])
    try:
        with transaction.atomic():
            obj.save()
    except IntegrityError as exc:
        if "contact_unique_customer_code" in str(exc):
            raise _validation(
                "customer_code", _("Another contact already has this customer code.")
            ) from None
        raise


def _validation(field: str, message: str) -> ValidationError:
    return ValidationError({field: [message]})


# --- contacts ---------------------------------------------------------------------------------
@transaction.atomic
def contact_create(
    *, tenant: Tenant, actor: Any = None, require_custom_fields: bool = True, **data: Any
) -> Contact:
    """`require_custom_fields=False`: create the contact even when a required custom field
    is not given. The required rule is for people editing in the app; a way in that cannot
    ask for such fields (public web form, inbound mail) must not lose the customer. The
    agent fills the field in later (the edit page asks for it)."""
    fields = clean_contact_data(tenant=tenant, data=data)
    contact = Contact(tenant=tenant, **fields)
    # Every way in (form, API, import) goes through the definitions' rules here.
    contact.custom_fields = save_custom_fields(
        tenant=tenant,
        object_type=ObjectType.CONTACT,
        data=data.get("custom_fields"),
        creating=True,
        enforce_required=require_custom_fields,
    )
    _refresh_search_text(tenant, contact)
    _save(contact)
    audit_record(
        tenant=tenant,
        action=AuditLog.Action.CREATE,
        obj=contact,
        actor=actor,
        changes=diff({}, snapshot(contact, CONTACT_AUDITED)),
    )
    return contact


@transaction.atomic
def contact_update(*, tenant: Tenant, contact: Contact, actor: Any = None, **data: Any) -> Contact:
    contact = (
        Contact.objects.select_for_update(of=("self",))
        .select_related("company")
        .get(pk=contact.pk, tenant=tenant)
    )
    before = snapshot(contact, CONTACT_AUDITED)
    fields = clean_contact_data(tenant=tenant, data=data, existing=contact)
    for key, value in fields.items():
        setattr(contact, key, value)
    if "custom_fields" in data:
        contact.custom_fields = save_custom_fields(
            tenant=tenant,
            object_type=ObjectType.CONTACT,
            data=data["custom_fields"],
            existing=before["custom_fields"],
            instance_pk=contact.pk,
            creating=False,
        )
    _refresh_search_text(tenant, contact)
    _save(contact)
    changes = diff(before, snapshot(contact, CONTACT_AUDITED))
    if changes:
        audit_record(
            tenant=tenant, action=AuditLog.Action.UPDATE, obj=contact, actor=actor, changes=changes
        )
        timeline_add(
            tenant=tenant,
            contact=contact,
            kind=InteractionKind.FIELD_CHANGE,
            occurred_at=timezone.now(),
            subject=(_("Fields changed: %(fields)s") % {"fields": ", ".join(changes)})[:200],
            data={"changes": changes},
            actor=actor if isinstance(actor, User) else None,
        )
    return contact


@transaction.atomic
def contact_soft_delete(*, tenant: Tenant, contact: Contact, actor: Any = None) -> None:
    """Hidden everywhere at once; restorable for RESTORE_DAYS, then purged."""
    updated = Contact.objects.filter(pk=contact.pk, tenant=tenant, deleted_at=None).update(
        deleted_at=Now()
    )
    if updated:
        # The entry keeps what the record held when it was deleted.
        audit_record(
            tenant=tenant,
            action=AuditLog.Action.DELETE,
            obj=contact,
            actor=actor,
            changes=diff(snapshot(contact, CONTACT_AUDITED), {}),
        )


contact_delete = contact_soft_delete  # the first version's name


class RestoreRefused(ValidationError):
    """A merged contact cannot come back: its timeline, imports and calls were moved to the
    survivor and its values were chosen into it, so restoring it would make a hollow
    duplicate. `survivor` is the live contact it ended up in (None when that one is gone)."""

    def __init__(self, message: str, *, survivor: Contact | None) -> None:
        super().__init__(message, code="merged")
        self.survivor = survivor


MERGE_CHAIN_LIMIT = 20  # a merged contact's survivor may itself have been merged later


def merge_survivor(*, tenant: Tenant, contact: Contact) -> Contact | None:
    """The contact a merged contact ended up in, following later merges of the survivor;
    None when the chain ends in a purged record."""
    current: Contact | None = contact
    for _step in range(MERGE_CHAIN_LIMIT):
        if current is None or current.merged_into_id is None:
            break
        current = Contact.objects.filter(tenant=tenant, pk=current.merged_into_id).first()
    return current


def restore_refusal(*, tenant: Tenant, contact: Contact) -> RestoreRefused | None:
    """Why `contact` cannot be restored, or None. Pages use it to show the reason instead of a
    Restore button; contact_restore raises it."""
    if contact.merged_into_id is None:
        return None
    survivor = merge_survivor(tenant=tenant, contact=contact)
    if survivor is None:
        message = _(
            "This contact was merged into another contact that has since been removed for "
            "good, so it cannot be restored."
        )
    elif survivor.deleted_at is not None:
        message = _(
            "This contact was merged into %(survivor)s (#%(id)s) and cannot be restored. "
            "%(survivor)s is deleted too: restore %(survivor)s instead."
        ) % {"survivor": survivor, "id": survivor.pk}
    else:
        message = _(
            "This contact was merged into %(survivor)s (#%(id)s) and cannot be restored. "
            "Open %(survivor)s instead: it holds the merged history."
        ) % {"survivor": survivor, "id": survivor.pk}
    return RestoreRefused(message, survivor=survivor)


@transaction.atomic
def contact_restore(*, tenant: Tenant, contact: Contact, actor: Any = None) -> None:
    """Bring a soft-deleted contact back. Refuses (RestoreRefused, nothing changed) when the
    contact was merged into another one."""
    locked = (
        Contact.objects.select_for_update()
        .filter(pk=contact.pk, tenant=tenant, deleted_at__isnull=False)
        .first()
    )
    if locked is None:
        return
    refusal = restore_refusal(tenant=tenant, contact=locked)
    if refusal is not None:
        raise refusal
    Contact.objects.filter(pk=locked.pk, tenant=tenant).update(deleted_at=None)
    contact.deleted_at = None
    audit_record(tenant=tenant, action=AuditLog.Action.RESTORE, obj=contact, actor=actor)


# --- bulk actions (set-based: one SELECT, one UPDATE, one audit INSERT) ----------------------
def _bulk_audit(
    tenant: Tenant,
    rows: list[dict[str, Any]],
    action: str,
    changes_for: Any,
    actor: Any,
) -> None:
    actor = actor if actor is not None else context.current_actor()
    meta = context.current_meta()
    AuditLog.objects.bulk_create(
        [
            AuditLog(
                tenant=tenant,
                actor_id=getattr(actor, "pk", None),
                actor_label=str(actor)[:200] if actor is not None else "system",
                action=action,
                object_type="contacts.contact",
                object_id=str(row["id"]),
                object_repr=(f"{row['last_name']} {row['first_name']}".strip() or row["email"])[
                    :300
                ],
                changes=changes_for(row),
                ip=meta.ip,
                user_agent=meta.user_agent,
            )
            for row in rows
        ]
    )


def _bulk_rows(tenant: Tenant, contacts: QuerySet[Contact], *extra: str) -> list[dict[str, Any]]:
    return list(
        contacts.filter(tenant=tenant, deleted_at=None).values(
            "id", "last_name", "first_name", "email", *extra
        )
    )


@transaction.atomic
def contact_bulk_assign_owner(
    *, tenant: Tenant, contacts: QuerySet[Contact], owner: Any, actor: Any = None
) -> int:
    new_owner = cleaning.owner(tenant)(owner)
    new_id = new_owner.pk if new_owner else None
    rows = _bulk_rows(tenant, contacts.select_for_update(of=("self",)), "owner_id")
    ids = [row["id"] for row in rows]
    Contact.objects.filter(tenant=tenant, id__in=ids).update(owner_id=new_id, updated_at=Now())
    _bulk_audit(
        tenant, rows, AuditLog.Action.UPDATE, lambda r: {"owner_id": [r["owner_id"], new_id]}, actor
    )
    return len(ids)


@transaction.atomic
def contact_bulk_change_stage(
    *, tenant: Tenant, contacts: QuerySet[Contact], stage: str, actor: Any = None
) -> int:
    if stage not in LifecycleStage.values:
        raise _validation("stage", _("Choose one of the lifecycle stages."))
    rows = _bulk_rows(tenant, contacts.select_for_update(of=("self",)), "lifecycle_stage")
    ids = [row["id"] for row in rows]
    changed = [row["id"] for row in rows if row["lifecycle_stage"] != stage]
    Contact.objects.filter(tenant=tenant, id__in=ids).update(
        lifecycle_stage=stage, updated_at=Now()
    )
    _bulk_audit(
        tenant,
        rows,
        AuditLog.Action.UPDATE,
        lambda r: {"lifecycle_stage": [r["lifecycle_stage"], stage]},
        actor,
    )
    now = timezone.now()
    Interaction.objects.bulk_create(
        [
            Interaction(
                tenant=tenant,
                contact_id=row["id"],
                kind=InteractionKind.FIELD_CHANGE,
                occurred_at=now,
                subject=_("Fields changed: %(fields)s") % {"fields": "lifecycle_stage"},
                data={"changes": {"lifecycle_stage": [row["lifecycle_stage"], stage]}},
                actor=actor if isinstance(actor, User) else None,
            )
            for row in rows
            if row["lifecycle_stage"] != stage
        ]
    )
    # The field-change entries are timeline entries: they are the contacts' last activity.
    Contact.objects.filter(tenant=tenant, id__in=changed).update(
        last_activity_at=Greatest(Field("last_activity_at"), Value(now))
    )
    return len(ids)


@transaction.atomic
def contact_bulk_add_tag(
    *, tenant: Tenant, contacts: QuerySet[Contact], tag: str, actor: Any = None
) -> int:
    try:
        cleaned = cleaning.tags([tag])
    except normalize.NormalizationError as exc:
        raise _validation("tag", str(exc)) from None
    if not cleaned:
        raise _validation("tag", _("Enter the tag to add."))
    tag = cleaned[0]
    rows = _bulk_rows(
        tenant, contacts.select_for_update(of=("self",)).exclude(tags__contains=[tag])
    )
    ids = [row["id"] for row in rows]
    Contact.objects.filter(tenant=tenant, id__in=ids).update(
        tags=Func(Field("tags"), Value(tag), function="array_append"), updated_at=Now()
    )
    _bulk_audit(tenant, rows, AuditLog.Action.UPDATE, lambda r: {"tags": [None, f"+{tag}"]}, actor)
    return len(ids)


@transaction.atomic
def contact_bulk_soft_delete(
    *, tenant: Tenant, contacts: QuerySet[Contact], actor: Any = None
) -> int:
    rows = _bulk_rows(tenant, contacts.select_for_update(of=("self",)))
    ids = [row["id"] for row in rows]
    Contact.objects.filter(tenant=tenant, id__in=ids).update(deleted_at=Now())
    _bulk_audit(
        tenant, rows, AuditLog.Action.DELETE, lambda r: {"deleted_at": [None, "now"]}, actor
    )
    return len(ids)


def purge_deleted(*, tenant: Tenant, older_than: dt.timedelta | None = None) -> dict[str, int]:
    """Hard-delete contacts and companies soft-deleted more than RESTORE_DAYS ago, set-based.
    The rows are locked first (a restore racing the purge waits, then finds nothing), every
    purge hook (contacts/purge.py: the timeline, calls, duplicate pairs, and whatever other
    apps register) deals with the rows pointing at them, then one DELETE per table."""
    from .purge import PurgeContext, run_purge_hooks

    cutoff = timezone.now() - (older_than or dt.timedelta(days=RESTORE_DAYS))
    with transaction.atomic():
        contacts = Contact.objects.filter(tenant=tenant, deleted_at__lt=cutoff)
        companies = Company.objects.filter(tenant=tenant, deleted_at__lt=cutoff)
        if not (_lock_rows(contacts) + _lock_rows(companies)):
            return {"contacts": 0, "companies": 0}
        purged_companies = companies.values("pk")
        timeline = Interaction.objects.filter(tenant=tenant).filter(
            Q(contact__in=contacts.values("pk"))
            | Q(company__in=purged_companies, contact__isnull=True)
        )
        run_purge_hooks(
            PurgeContext(
                tenant=tenant, contacts=contacts, companies=companies, interactions=timeline
            )
        )
        # contacts/purge.py BUILTIN_COVERS: what the purge does itself once the hooks ran
        timeline._raw_delete(timeline.db)
        Interaction.objects.filter(tenant=tenant, company__in=purged_companies).update(company=None)
        orphans = list(
            Contact.objects.filter(tenant=tenant, company__in=purged_companies)
            .exclude(pk__in=contacts.values("pk"))
            .values_list("pk", flat=True)
        )
        Contact.objects.filter(tenant=tenant, company__in=purged_companies).update(company=None)
        # Their search text still held the purged company's name.
        _refresh_search_texts(tenant, Contact.objects.filter(tenant=tenant, pk__in=orphans))
        contact_count = contacts._raw_delete(contacts.db)  # no per-row Python cascade
        company_count = companies._raw_delete(companies.db)
    return {"contacts": contact_count, "companies": company_count}


def _lock_rows(qs: QuerySet[Any]) -> int:
    """SELECT ... FOR UPDATE without fetching the rows into Python; how many were locked."""
    from django.db import connection

    sql, params = qs.select_for_update().values("pk").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM ({sql}) AS locked", params)  # noqa: S608
        return int(cursor.fetchone()[0])


# --- companies --------------------------------------------------------------------------------
@transaction.atomic
def company_create(*, tenant: Tenant, actor: Any = None, **data: Any) -> Company:
    fields = clean_company_data(tenant=tenant, data=data)
    company = Company(tenant=tenant, **fields)
    company.custom_fields = save_custom_fields(
        tenant=tenant, object_type=ObjectType.COMPANY, data=data.get("custom_fields"), creating=True
    )
    _save(company)
    audit_record(
        tenant=tenant,
        action=AuditLog.Action.CREATE,
        obj=company,
        actor=actor,
        changes=diff({}, snapshot(company, COMPANY_AUDITED)),
    )
    return company


@transaction.atomic
def company_update(*, tenant: Tenant, company: Company, actor: Any = None, **data: Any) -> Company:
    company = Company.objects.select_for_update().get(pk=company.pk, tenant=tenant)
    before = snapshot(company, COMPANY_AUDITED)
    fields = clean_company_data(tenant=tenant, data=data, existing=company)
    for key, value in fields.items():
        setattr(company, key, value)
    if "custom_fields" in data:
        company.custom_fields = save_custom_fields(
            tenant=tenant,
            object_type=ObjectType.COMPANY,
            data=data["custom_fields"],
            existing=before["custom_fields"],
            instance_pk=company.pk,
            creating=False,
        )
    _save(company)
    changes = diff(before, snapshot(company, COMPANY_AUDITED))
    if changes:
        audit_record(
            tenant=tenant, action=AuditLog.Action.UPDATE, obj=company, actor=actor, changes=changes
        )
    if "name" in changes:
        _refresh_company_contacts(tenant, company)
    return company


def _refresh_company_contacts(tenant: Tenant, company: Company) -> None:
    """The company name is part of its contacts' search text. Renames are rare."""
    _refresh_search_texts(tenant, Contact.objects.filter(tenant=tenant, company=company))


def _refresh_search_texts(tenant: Tenant, contacts: QuerySet[Contact]) -> None:
    """Rewrites the derived search text of `contacts` in batches rather than one UPDATE per
    contact."""
    batch: list[Contact] = []
    qs = contacts.select_related("company")
    for contact in qs.iterator(chunk_size=1000):
        _refresh_search_text(tenant, contact)
        batch.append(contact)
        if len(batch) >= 1000:
            Contact.objects.bulk_update(batch, ["search_text"])
            batch = []
    if batch:
        Contact.objects.bulk_update(batch, ["search_text"])


@transaction.atomic
def company_soft_delete(*, tenant: Tenant, company: Company, actor: Any = None) -> None:
    updated = Company.objects.filter(pk=company.pk, tenant=tenant, deleted_at=None).update(
        deleted_at=Now()
    )
    if updated:
        audit_record(
            tenant=tenant,
            action=AuditLog.Action.DELETE,
            obj=company,
            actor=actor,
            changes={"deleted_at": [None, "now"]},
        )


@transaction.atomic
def company_restore(*, tenant: Tenant, company: Company, actor: Any = None) -> None:
    updated = Company.objects.filter(pk=company.pk, tenant=tenant, deleted_at__isnull=False).update(
        deleted_at=None
    )
    if updated:
        audit_record(tenant=tenant, action=AuditLog.Action.RESTORE, obj=company, actor=actor)


# --- timeline ---------------------------------------------------------------------------------
def timeline_add(
    *,
    tenant: Tenant,
    contact: Contact | None = None,
    company: Company | None = None,
    kind: str,
    occurred_at: dt.datetime,
    subject: str,
    body: str = "",
    data: dict[str, Any] | None = None,
    actor: User | None = None,
    ref_type: str = "",
    ref_id: str = "",
) -> Interaction:
    """The one door other apps use to put an entry on a contact's and/or company's timeline.
    A contact's entry also shows on its company's timeline."""
    if contact is None and company is None:
        raise ValueError("timeline_add needs a contact or a company")
    if kind not in InteractionKind.values:
        raise ValueError(f"unknown timeline kind {kind!r}")
    for obj in (contact, company):
        if obj is not None and obj.tenant_id != tenant.pk:
            raise ValueError("timeline_add across tenants")
    if company is None and contact is not None:
        company_id = contact.company_id
    else:
        company_id = company.pk if company is not None else None
    if contact is not None:
        # The list's "last activity" is the newest entry; a back-dated one leaves it alone.
        Contact.objects.filter(tenant=tenant, pk=contact.pk).update(
            last_activity_at=Greatest(Field("last_activity_at"), Value(occurred_at))
        )
        if contact.last_activity_at is None or contact.last_activity_at < occurred_at:
            contact.last_activity_at = occurred_at
    return Interaction.objects.create(
        tenant=tenant,
        contact=contact,
        company_id=company_id,
        kind=kind,
        occurred_at=occurred_at,
        subject=subject[:200],
        body=body,
        data=data or {},
        actor=actor,
        ref_type=ref_type,
        ref_id=str(ref_id),
    )


@dataclass(frozen=True)
class TimelineEntry:
    """One entry for timeline_add_many: ids, not objects, so a bulk path needs no rows."""

    kind: str
    occurred_at: dt.datetime
    subject: str
    contact_id: int | None = None
    company_id: int | None = None
    body: str = ""
    data: dict[str, Any] | None = None
    actor_id: int | None = None
    ref_type: str = ""
    ref_id: str = ""


TIMELINE_BATCH = 5000


@transaction.atomic
def timeline_add_many(*, tenant: Tenant, entries: Iterable[TimelineEntry]) -> int:
    """timeline_add for many entries at once (imports): the same rules, in a fixed number
    of queries per batch of TIMELINE_BATCH: one to check the contacts and companies belong to
    the tenant (and find a contact's company), one INSERT, one UPDATE … FROM of the contacts'
    last activity. All or nothing: an entry naming another tenant's record writes none.
    Returns the number of entries written."""
    written = 0
    batch: list[TimelineEntry] = []
    for entry in entries:
        batch.append(entry)
        if len(batch) >= TIMELINE_BATCH:
            written += _timeline_batch(tenant, batch)
            batch = []
    if batch:
        written += _timeline_batch(tenant, batch)
    return written


def _timeline_batch(tenant: Tenant, batch: list[TimelineEntry]) -> int:
    for entry in batch:
        if entry.contact_id is None and entry.company_id is None:
            raise ValueError("timeline_add_many needs a contact or a company per entry")
        if entry.kind not in InteractionKind.values:
            raise ValueError(f"unknown timeline kind {entry.kind!r}")
    contact_ids = {e.contact_id for e in batch if e.contact_id is not None}
    company_ids = {e.company_id for e in batch if e.company_id is not None}
    companies_of = dict(
        Contact.objects.filter(tenant=tenant, pk__in=contact_ids).values_list("pk", "company_id")
    )
    known_companies = set(
        Company.objects.filter(tenant=tenant, pk__in=company_ids).values_list("pk", flat=True)
    )
    if len(companies_of) != len(contact_ids) or len(known_companies) != len(company_ids):
        raise ValueError("timeline_add_many across tenants")
    rows = [
        Interaction(
            tenant=tenant,
            contact_id=e.contact_id,
            company_id=e.company_id if e.contact_id is None else companies_of[e.contact_id],
            kind=e.kind,
            occurred_at=e.occurred_at,
            subject=e.subject[:200],
            body=e.body,
            data=e.data or {},
            actor_id=e.actor_id,
            ref_type=e.ref_type,
            ref_id=str(e.ref_id),
        )
        for e in batch
    ]
    Interaction.objects.bulk_create(rows)
    newest: dict[int, dt.datetime] = {}
    for e in batch:
        if e.contact_id is not None and (
            e.contact_id not in newest or newest[e.contact_id] < e.occurred_at
        ):
            newest[e.contact_id] = e.occurred_at
    if newest:
        with connection.cursor() as cursor:
            cursor.execute(
                """
                UPDATE contacts_contact c
                SET last_activity_at = GREATEST(c.last_activity_at, v.at)
                FROM unnest(%s::bigint[], %s::timestamptz[]) AS v(id, at)
                WHERE c.tenant_id = %s AND c.id = v.id
                  AND (c.last_activity_at IS NULL OR c.last_activity_at < v.at)
                """,
                [list(newest), list(newest.values()), tenant.pk],
            )
    return len(rows)


CALL_OUTCOMES = ("connected", "voicemail", "no_answer", "busy", "wrong_number")


@transaction.atomic
def contact_log_note(*, tenant: Tenant, contact: Contact, actor: Any, body: str) -> Interaction:
    body = body.strip()
    if not body:
        raise _validation("body", _("Write the note before saving it."))
    first_line = body.splitlines()[0]
    return timeline_add(
        tenant=tenant,
        contact=contact,
        kind=InteractionKind.NOTE,
        occurred_at=timezone.now(),
        subject=first_line[:200],
        body=body,
        actor=actor if isinstance(actor, User) else None,
    )


@transaction.atomic
def contact_log_call(
    *,
    tenant: Tenant,
    contact: Contact,
    actor: Any,
    outcome: str,
    duration_minutes: int | None = None,
    body: str = "",
    direction: str = "outbound",
) -> Interaction:
    from .forms import call_outcome_label

    if outcome not in CALL_OUTCOMES:
        raise _validation("outcome", _("Choose how the call went."))
    if duration_minutes is not None and not 0 <= duration_minutes <= 24 * 60:
        raise _validation("duration_minutes", _("Enter the call length in minutes (0–1440)."))
    return timeline_add(
        tenant=tenant,
        contact=contact,
        kind=InteractionKind.CALL,
        occurred_at=timezone.now(),
        subject=str(call_outcome_label(outcome)),
        body=body.strip(),
        data={"outcome": outcome, "duration_minutes": duration_minutes, "direction": direction},
        actor=actor if isinstance(actor, User) else None,
    )


def ids_from(values: Iterable[Any]) -> list[int]:
    """Checkbox values to ids, ignoring anything that is not a number."""
    return [int(v) for v in values if str(v).isdigit()]
