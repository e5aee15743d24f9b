"""Writes for inquiry forms: saving a definition (all of it or nothing), publishing, and the
public submission, which creates or updates the contact and opens a ticket (inquiry forms)
or records a lead (lead forms), in one transaction.

Spam protection lives here too, so the page, the embed and the API refuse the same things:
a signed time token (too fast → refused), a honeypot input, a per-IP rate limit in Redis.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import mimetypes
import re
import time
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.mail import send_mail
from django.core.validators import URLValidator
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from crm.core import normalize
from crm.core.customfields import (
    CustomFieldErrors,
    clean_custom_fields,
    definitions_for,
    label_for,
)
from crm.core.models import CustomFieldDefinition, Membership, ObjectType, Tenant
from support.tickets.models import Priority, SupportTeam, TicketCategory

from .models import (
    CHOICE_TYPES,
    FieldType,
    FormField,
    FormKind,
    FormLanguage,
    FormSubmission,
    InquiryForm,
)

log = logging.getLogger(__name__)

HONEYPOT = "website"  # the hidden input people never see and bots fill in
TOKEN = "form_token"  # noqa: S105 - a form input's name
CONSENT = "consent"
# In a submission's data (keys starting "_" are not answers): why no contact was created,
# or why the found contact was not updated, as {form field key or "__all__": [messages]}
# (see form_submit). Submissions stored before contact_create's require_custom_fields have
# a list of the required contact custom fields (keys) that were not given.
NO_CONTACT = "_no_contact"
CONTACT_NOT_UPDATED = "_contact_not_updated"
TOKEN_SALT = "support.webforms.token"  # noqa: S105 - a signing salt, not a secret
TOKEN_MAX_AGE = 24 * 3600

MAX_FIELDS = 50
# Extensions a file field accepts when the admin names none: documents and photos.
DEFAULT_FILE_TYPES = ["pdf", "jpg", "jpeg", "png", "gif", "heic", "txt", "csv", "xlsx", "docx"]
FILE_TYPE = re.compile(r"^[a-z0-9]{1,10}$")
FILE_TYPE_SEPARATORS = re.compile(r"[\s,、，;]+")
MAX_CHOICES = 100
TEXT_LIMITS = {FieldType.LONG_TEXT: 10_000}
TEXT_LIMIT = 300

# Where a field's value can go. Names are the contacts app's own field names, except
# company_name (the company is found by its name or created).
CONTACT_TARGETS: dict[str, Any] = {
    "full_name": gettext_lazy("Full name (split into last and first name)"),
    "last_name": gettext_lazy("Last name"),
    "first_name": gettext_lazy("First name"),
    "last_name_kana": gettext_lazy("Last name (kana)"),
    "first_name_kana": gettext_lazy("First name (kana)"),
    "email": gettext_lazy("E-mail"),
    "phone": gettext_lazy("Phone"),
    "mobile": gettext_lazy("Mobile"),
    "postal_code": gettext_lazy("Postal code"),
    "prefecture": gettext_lazy("Prefecture"),
    "address": gettext_lazy("Address"),
    "company_name": gettext_lazy("Company name"),
    "department": gettext_lazy("Department"),
    "title": gettext_lazy("Job title"),
}
TICKET_TARGETS: dict[str, Any] = {
    "subject": gettext_lazy("Subject"),
    "body": gettext_lazy("Inquiry text"),
    "category": gettext_lazy("Category"),
    "priority": gettext_lazy("Priority"),
}
# A customer can be answered through these.
REACHABLE = ("contact.email", "contact.phone", "contact.mobile")


class FormDefinitionError(ValidationError):
    """Errors by place: "name", "fields", "fields.<index>.<attribute>", ... The builder shows
    each next to its input; nothing was saved."""

    def __init__(self, errors: dict[str, list[str]]):
        self.errors = errors
        super().__init__({key: msgs for key, msgs in errors.items()})


class SubmissionInvalid(ValidationError):
    """Errors by field key (and "__all__", CONSENT); in the form's language."""

    def __init__(self, errors: dict[str, list[str]]):
        self.errors = errors
        super().__init__({key: msgs for key, msgs in errors.items()})


# --- mapping targets ----------------------------------------------------------------------------
@dataclass(frozen=True)
class Target:
    value: str
    label: str
    group: str


def mapping_targets(*, tenant: Tenant) -> list[Target]:
    """Every place a field can be saved to, for the builder's select and for validation."""
    targets = [Target("", _("Nowhere (kept with the submission only)"), "none")]
    targets += [
        Target(f"contact.{name}", _("Contact: %(field)s") % {"field": label}, "contact")
        for name, label in CONTACT_TARGETS.items()
    ]
    targets += [
        Target(f"ticket.{name}", _("Inquiry: %(field)s") % {"field": label}, "ticket")
        for name, label in TICKET_TARGETS.items()
    ]
    for object_type, prefix, group in (
        (ObjectType.CONTACT, "contact.cf.", _("Contact custom field: %(field)s")),
        (ObjectType.TICKET, "ticket.cf.", _("Inquiry custom field: %(field)s")),
    ):
        for definition in definitions_for(tenant=tenant, object_type=object_type):
            targets.append(
                Target(
                    f"{prefix}{definition.key}",
                    group % {"field": label_for(definition)},
                    "custom",
                )
            )
    return targets


# --- required custom fields the form does not give ------------------------------------------
def form_warnings(*, tenant: Tenant, definition: dict[str, Any]) -> list[str]:
    """What the builder warns about without refusing to save or publish: required custom
    fields that the form does not ask for as required fields (in the admin's language)."""
    asked: dict[str, set[str]] = {"contact.cf.": set(), "ticket.cf.": set()}
    for item in definition.get("fields") or []:
        mapping = str(item.get("mapping") or "")
        for prefix, keys in asked.items():
            if mapping.startswith(prefix) and item.get("required"):
                keys.add(mapping.removeprefix(prefix))
    required = [
        d
        for d in CustomFieldDefinition.objects.filter(
            tenant=tenant,
            object_type__in=[ObjectType.CONTACT, ObjectType.TICKET],
            required=True,
        ).order_by("order", "id")
        if d.default is None
    ]  # one query for both kinds
    warnings = [
        _(
            "The contact custom field “%(field)s” is required, and this form does not ask "
            "for it as a required field. A new customer's contact is created without it: "
            "fill it in on the contact. To have customers give it, add the field to the "
            "form and tick “Required”."
        )
        % {"field": label_for(d)}
        for d in required
        if d.object_type == ObjectType.CONTACT and d.key not in asked["contact.cf."]
    ]
    if definition.get("kind", FormKind.INQUIRY) == FormKind.INQUIRY:
        warnings += [
            _(
                "The inquiry custom field “%(field)s” is required, and this form does not ask "
                "for it as a required field. Inquiries from this form open without it."
            )
            % {"field": label_for(d)}
            for d in required
            if d.object_type == ObjectType.TICKET and d.key not in asked["ticket.cf."]
        ]
    return warnings


# --- the definition ---------------------------------------------------------------------------
FORM_ATTRS = (
    "name",
    "kind",
    "language",
    "title",
    "intro",
    "thank_you",
    "privacy_notice",
    "privacy_url",
    "notify_user_ids",
    "notify_emails",
    "default_category",
    "default_priority",
    "default_team",
)


def form_definition(*, form: InquiryForm, fields: list[FormField] | None = None) -> dict[str, Any]:
    """The definition as the builder and the API exchange it (JSON-ready)."""
    if fields is None:
        fields = list(form.fields.all())
    return {
        "id": form.pk,
        "key": form.key,
        "name": form.name,
        "kind": form.kind,
        "language": form.language,
        "published": form.published,
        "title": form.title,
        "intro": form.intro,
        "thank_you": form.thank_you,
        "privacy_notice": form.privacy_notice,
        "privacy_url": form.privacy_url,
        "notify_user_ids": list(form.notify_user_ids),
        "notify_emails": list(form.notify_emails),
        "default_category": form.default_category_id,
        "default_priority": form.default_priority,
        "default_team": form.default_team_id,
        "fields": [
            {
                "key": f.key,
                "label": f.label,
                "help_text": f.help_text,
                "required": f.required,
                "field_type": f.field_type,
                "choices": list(f.choices or []),
                "mapping": f.mapping,
            }
            for f in fields
        ],
    }


def _text(value: Any, limit: int) -> str:
    return str(value if value is not None else "").strip()[:limit]


def _choices(value: Any) -> list[str]:
    if isinstance(value, str):
        value = value.splitlines()
    if not isinstance(value, (list, tuple)):
        return []
    seen: list[str] = []
    for item in value:
        text = _text(item, 100)
        if text and text not in seen:
            seen.append(text)
    return seen


def _id_or_none(value: Any) -> int | None:
    if value in (None, ""):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return -1


def form_definition_clean(*, tenant: Tenant, data: dict[str, Any]) -> dict[str, Any]:
    """Checks a whole definition; returns it cleaned or raises FormDefinitionError with every
    problem at once (so the admin fixes them in one go)."""
    errors: dict[str, list[str]] = {}

    def add(place: str, message: str) -> None:
        errors.setdefault(place, []).append(message)

    if not isinstance(data, dict):
        raise FormDefinitionError({"__all__": [_("Send the form definition as an object.")]})
    clean: dict[str, Any] = {
        "name": _text(data.get("name"), 100),
        "kind": data.get("kind") or FormKind.INQUIRY,
        "language": data.get("language") or FormLanguage.JA,
        "title": _text(data.get("title"), 200),
        "intro": _text(data.get("intro"), 5000),
        "thank_you": _text(data.get("thank_you"), 5000),
        "privacy_notice": _text(data.get("privacy_notice"), 5000),
        "privacy_url": _text(data.get("privacy_url"), 200),
        "default_priority": data.get("default_priority") or Priority.NORMAL,
    }
    if not clean["name"]:
        add("name", _("Give the form a name (only your team sees it)."))
    if clean["kind"] not in FormKind.values:
        add("kind", _("Choose whether the form opens an inquiry or records a lead."))
    if clean["language"] not in FormLanguage.values:
        add("language", _("Choose Japanese or English for the form."))
    if clean["default_priority"] not in Priority.values:
        add("default_priority", _("Choose one of the priorities."))
    if clean["privacy_url"]:
        try:
            URLValidator(schemes=["http", "https"])(clean["privacy_url"])
        except ValidationError:
            add("privacy_url", _("Enter the privacy policy's full address, starting https://."))

    emails: list[str] = []
    raw_emails = data.get("notify_emails") or []
    if isinstance(raw_emails, str):
        raw_emails = raw_emails.replace(",", "\n").splitlines()
    for raw in raw_emails:
        raw = _text(raw, 254)
        if not raw:
            continue
        try:
            address = normalize.normalize_email(raw)
        except normalize.NormalizationError as exc:
            add("notify_emails", str(exc))
            continue
        if address not in emails:
            emails.append(address)
    clean["notify_emails"] = emails

    user_ids = [_id_or_none(v) for v in (data.get("notify_user_ids") or [])]
    wanted = {uid for uid in user_ids if uid is not None}
    members = set(
        Membership.objects.filter(tenant=tenant, user_id__in=wanted, is_active=True).values_list(
            "user_id", flat=True
        )
    )
    if wanted - members:
        add("notify_user_ids", _("Choose people who are members of this organisation."))
    clean["notify_user_ids"] = sorted(members)

    for attr, model, message in (
        ("default_category", TicketCategory, _("That category does not exist; choose another.")),
        ("default_team", SupportTeam, _("That team does not exist; choose another.")),
    ):
        pk = _id_or_none(data.get(attr))
        found = model.objects.filter(tenant=tenant, pk=pk).first() if pk else None
        if pk is not None and found is None:
            add(attr, message)
        clean[attr] = found

    targets = {t.value: t for t in mapping_targets(tenant=tenant)}
    raw_fields = data.get("fields")
    if not isinstance(raw_fields, list):
        raw_fields = []
    if not raw_fields:
        add("fields", _("Add at least one field from the palette."))
    if len(raw_fields) > MAX_FIELDS:
        add("fields", _("A form can have at most %(n)s fields.") % {"n": MAX_FIELDS})
    fields: list[dict[str, Any]] = []
    used: dict[str, str] = {}
    for index, raw in enumerate(raw_fields[:MAX_FIELDS]):
        place = f"fields.{index}"
        if not isinstance(raw, dict):
            add(place, _("Each field must be an object."))
            continue
        item: dict[str, Any] = {
            "key": _text(raw.get("key"), 20),
            "label": _text(raw.get("label"), 200),
            "help_text": _text(raw.get("help_text"), 500),
            "required": bool(raw.get("required")),
            "field_type": raw.get("field_type") or FieldType.TEXT,
            "choices": _choices(raw.get("choices")),
            "mapping": _text(raw.get("mapping"), 80),
        }
        label = item["label"] or _("(field %(n)s)") % {"n": index + 1}
        if not item["label"]:
            add(f"{place}.label", _("Enter a label for this field: the customer reads it."))
        if item["field_type"] not in FieldType.values:
            add(f"{place}.field_type", _("Choose one of the field types."))
        if item["field_type"] in CHOICE_TYPES and not item["choices"]:
            add(
                f"{place}.choices",
                _("“%(label)s” needs choices: enter at least one, one per line.")
                % {"label": label},
            )
        if len(item["choices"]) > MAX_CHOICES:
            add(f"{place}.choices", _("At most %(n)s choices.") % {"n": MAX_CHOICES})
        if item["field_type"] == FieldType.FILE:
            _clean_file_field(item, place, clean["kind"], add)
        elif item["field_type"] not in CHOICE_TYPES:
            item["choices"] = []
        mapping = item["mapping"]
        if mapping and mapping not in targets:
            add(f"{place}.mapping", _("Choose where this field is saved from the list."))
        elif mapping:
            if mapping in used:
                add(
                    f"{place}.mapping",
                    _(
                        "“%(label)s” and “%(other)s” are both saved to %(target)s. Choose "
                        "another place for one of them."
                    )
                    % {"label": label, "other": used[mapping], "target": targets[mapping].label},
                )
            else:
                used[mapping] = label
        fields.append(item)
    if raw_fields and not any(m in used for m in REACHABLE):
        add(
            "fields",
            _(
                "Add an e-mail or phone field saved to the contact: without it the customer "
                "could not be answered."
            ),
        )
    if errors:
        raise FormDefinitionError(errors)
    clean["fields"] = fields
    return clean


def _clean_file_field(item: dict[str, Any], place: str, kind: str, add: Any) -> None:
    """A file field: its allowed types (extensions, the defaults when none are given), no
    mapping (the file goes to the inquiry), and only on inquiry forms."""
    # The builder sends what the admin typed, separated by commas ("pdf, .PNG"); the API
    # may send a list, each item possibly with commas too.
    parts = [part for t in item["choices"] for part in FILE_TYPE_SEPARATORS.split(str(t))]
    types = [t.strip().lower().removeprefix("*").lstrip(".") for t in parts]
    types = [t for t in types if t]
    bad = [t for t in types if not FILE_TYPE.match(t)]
    if bad:
        add(
            f"{place}.choices",
            _(
                "Enter the allowed file types as extensions separated by commas, such as "
                "pdf, jpg, png. These are not extensions: %(bad)s."
            )
            % {"bad": ", ".join(bad)},
        )
    item["choices"] = list(dict.fromkeys(types)) or list(DEFAULT_FILE_TYPES)
    if item["mapping"]:
        add(
            f"{place}.mapping",
            _("A file is attached to the inquiry; choose “Nowhere” for where it is saved."),
        )
    if kind == FormKind.LEAD:
        add(
            f"{place}.field_type",
            _("Files can be sent only with inquiry forms: a lead form opens no inquiry."),
        )


def file_limit_bytes(*, tenant: Tenant) -> int:
    """The largest file a form accepts: the tenant's limit for mail attachments (Settings →
    Mail), capped by SUPPORT_FORM_FILE_MAX_MB (10) because anyone can post a public form."""
    from support.mail.services import mail_settings

    cap = int(getattr(settings, "SUPPORT_FORM_FILE_MAX_MB", 10)) * 1024 * 1024
    return min(mail_settings(tenant=tenant).max_attachment_bytes, cap)


@transaction.atomic
def form_save(
    *, tenant: Tenant, data: dict[str, Any], form: InquiryForm | None = None, actor: Any = None
) -> InquiryForm:
    """Creates or replaces a whole definition (form and its fields) in one transaction.
    Field keys sent back by the builder are kept, so old submissions still line up."""
    clean = form_definition_clean(tenant=tenant, data=data)
    if form is None:
        form = InquiryForm(tenant=tenant, created_by=actor if getattr(actor, "pk", None) else None)
    elif form.tenant_id != tenant.pk:
        raise ValueError("form_save across tenants")
    else:
        form = InquiryForm.objects.select_for_update().get(tenant=tenant, pk=form.pk)
    for attr in FORM_ATTRS:
        setattr(form, attr, clean[attr])
    form.save()
    existing = set(FormField.objects.filter(tenant=tenant, form=form).values_list("key", flat=True))
    FormField.objects.filter(tenant=tenant, form=form).delete()
    rows = []
    taken: set[str] = set()
    for position, item in enumerate(clean["fields"]):
        row = FormField(
            tenant=tenant,
            form=form,
            position=position,
            label=item["label"],
            help_text=item["help_text"],
            required=item["required"],
            field_type=item["field_type"],
            choices=item["choices"],
            mapping=item["mapping"],
        )
        if item["key"] in existing and item["key"] not in taken:
            row.key = item["key"]
        taken.add(row.key)
        rows.append(row)
    FormField.objects.bulk_create(rows)
    return form


def form_create(
    *,
    tenant: Tenant,
    name: str,
    kind: str = FormKind.INQUIRY,
    language: str = "",
    actor: Any = None,
) -> InquiryForm:
    """A new form with a starter set of fields (name, e-mail, subject, inquiry), so the admin
    edits rather than starts from nothing."""
    language = language or (tenant.language if tenant.language in FormLanguage.values else "ja")
    with translation.override(language):
        fields = [
            {"label": _("Name"), "field_type": FieldType.TEXT, "required": True,
             "mapping": "contact.full_name"},
            {"label": _("E-mail"), "field_type": FieldType.EMAIL, "required": True,
             "mapping": "contact.email"},
        ]  # fmt: skip
        if kind == FormKind.INQUIRY:
            fields += [
                {"label": _("Subject"), "field_type": FieldType.TEXT, "required": True,
                 "mapping": "ticket.subject"},
                {"label": _("Your inquiry"), "field_type": FieldType.LONG_TEXT,
                 "required": True, "mapping": "ticket.body"},
            ]  # fmt: skip
        thank_you = _("Thank you. We have received your message and will reply soon.")
    return form_save(
        tenant=tenant,
        actor=actor,
        data={
            "name": name,
            "kind": kind,
            "language": language,
            "title": name,
            "thank_you": thank_you,
            "fields": fields,
        },
    )


@transaction.atomic
def form_publish(*, tenant: Tenant, form: InquiryForm, published: bool) -> InquiryForm:
    """Publishing re-checks the stored definition, so a form never goes out broken."""
    form = InquiryForm.objects.select_for_update().get(tenant=tenant, pk=form.pk)
    if published:
        form_definition_clean(tenant=tenant, data=form_definition(form=form))
    form.published = published
    if published and form.published_at is None:
        form.published_at = timezone.now()
    form.save(update_fields=["published", "published_at", "updated_at"])
    return form


@transaction.atomic
def form_delete(*, tenant: Tenant, form: InquiryForm) -> None:
    """The form and its fields go; submissions go with it (their tickets and contacts stay)."""
    InquiryForm.objects.filter(tenant=tenant, pk=form.pk).delete()


# --- spam protection --------------------------------------------------------------------------
def form_token(*, form: InquiryForm, at: float | None = None) -> str:
    """Signed: which form, and when the page was served (ms)."""
    stamp = int((time.time() if at is None else at) * 1000)
    return signing.dumps({"f": form.pk, "t": stamp}, salt=TOKEN_SALT, compress=True)


def token_age(*, form: InquiryForm, token: str) -> float | None:
    """Seconds since the token was made, or None when it is forged, expired or another
    form's."""
    try:
        payload = signing.loads(token or "", salt=TOKEN_SALT, max_age=TOKEN_MAX_AGE)
    except signing.BadSignature:
        return None
    if not isinstance(payload, dict) or payload.get("f") != form.pk:
        return None
    return time.time() - int(payload.get("t", 0)) / 1000


def min_seconds() -> float:
    return float(getattr(settings, "SUPPORT_FORM_MIN_SECONDS", 3))


def ip_hash(ip: str | None) -> str:
    """The address is not stored; its keyed hash is enough to count and to compare."""
    return hashlib.sha256(f"{settings.SECRET_KEY}:webform:{ip or ''}".encode()).hexdigest()


def _rate_key(tenant: Tenant, ip: str | None, kind: str) -> str:
    return f"support:webform:{kind}:{tenant.pk}:{ip_hash(ip)}"


def _take(key: str, limit: int, seconds: int) -> bool:
    """One more on the counter at `key`; False (and nothing taken) once it is at `limit`.
    incr is atomic in Redis, so two posts at the same moment cannot both take the last one."""
    cache.add(key, 0, timeout=seconds)
    try:
        used = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=seconds)
        used = 1
    if used > limit:
        _give_back(key)
        return False
    return True


def _give_back(key: str) -> None:
    with contextlib.suppress(ValueError):  # the window ended meanwhile: nothing to give back
        cache.decr(key)


def attempt_allowed(*, tenant: Tenant, ip: str | None) -> bool:
    """Every post from `ip` counts here, refused or not; the ceiling (setting
    SUPPORT_FORM_ATTEMPT_LIMIT, default 50 per 10 min) is far above what a person correcting
    typing mistakes reaches and only stops a script hammering the page."""
    count, seconds = getattr(settings, "SUPPORT_FORM_ATTEMPT_LIMIT", (50, 600))
    return _take(_rate_key(tenant, ip, "attempts"), count, seconds)


def submission_slot_take(*, tenant: Tenant, ip: str | None) -> bool:
    """Takes one of `ip`'s accepted-submission slots (default 5 per 10 min, setting
    SUPPORT_FORM_RATE_LIMIT = (count, seconds)); False when none is left. Taken before the
    submission is stored and given back (submission_slot_give_back) when it is refused, so
    only accepted submissions count. The key carries the tenant."""
    count, seconds = getattr(settings, "SUPPORT_FORM_RATE_LIMIT", (5, 600))
    return _take(_rate_key(tenant, ip, "rate"), count, seconds)


def submission_slot_give_back(*, tenant: Tenant, ip: str | None) -> None:
    _give_back(_rate_key(tenant, ip, "rate"))


@dataclass
class SpamCheck:
    refused: bool = False
    silent: bool = False  # a bot: answer as if accepted, store nothing
    message: str = ""


def spam_check(*, form: InquiryForm, data: dict[str, Any]) -> SpamCheck:
    """Honeypot and time token (call inside the form's language)."""
    if _text(data.get(HONEYPOT), 500):
        return SpamCheck(refused=True, silent=True)
    age = token_age(form=form, token=str(data.get(TOKEN) or ""))
    if age is None:
        return SpamCheck(
            refused=True,
            message=_(
                "This page was open too long or did not load completely. Your entries are "
                "kept: please send the form again."
            ),
        )
    if age < min_seconds():
        return SpamCheck(
            refused=True,
            message=_(
                "That was sent very quickly, so we could not tell you from a robot. Your "
                "entries are kept: please check them and send the form again."
            ),
        )
    return SpamCheck()


# --- the submission -----------------------------------------------------------------------------
@dataclass
class Cleaned:
    values: dict[str, str] = field(default_factory=dict)  # by field key, as text
    contact: dict[str, Any] = field(default_factory=dict)
    contact_cf: dict[str, Any] = field(default_factory=dict)
    ticket: dict[str, str] = field(default_factory=dict)
    ticket_cf: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, list[str]] = field(default_factory=dict)
    place_of: dict[str, str] = field(default_factory=dict)  # mapping target -> field key
    files: dict[str, Any] = field(default_factory=dict)  # field key -> accepted upload


def _value_of(raw: Any) -> str:
    if isinstance(raw, (list, tuple)):
        raw = raw[-1] if raw else ""
    return str(raw if raw is not None else "").replace("\r\n", "\n").strip()


def _clean_value(item: FormField, raw: str) -> str:
    """One field's text, checked for its type; raises NormalizationError / ValidationError."""
    kind = item.field_type
    if kind == FieldType.CHECKBOX:
        return _("Yes") if raw not in ("", "0", "false", "off") else ""
    if not raw:
        return ""
    limit = TEXT_LIMITS.get(kind, TEXT_LIMIT)  # type: ignore[call-overload]
    if len(raw) > limit:
        raise ValidationError(
            _("Keep this under %(n)s characters (now %(count)s).") % {"n": limit, "count": len(raw)}
        )
    if kind == FieldType.EMAIL:
        return normalize.normalize_email(raw)
    if kind == FieldType.PHONE:
        normalize.normalize_phone(raw)  # the message says what to type; contacts store it
        return raw
    if kind == FieldType.POSTAL_CODE:
        return normalize.normalize_postal_code(raw)
    if kind == FieldType.DATE:
        day = normalize.parse_date(raw)
        return day.isoformat() if day else ""
    if kind in CHOICE_TYPES and raw not in (item.choices or []):
        raise ValidationError(_("Choose one of the options."))
    return raw


def file_name(upload: Any) -> str:
    """The customer's file name, safe to store and show (no path, no control characters)."""
    name = str(getattr(upload, "name", "") or "").replace("\\", "/").rsplit("/", 1)[-1]
    return re.sub(r"[\x00-\x1f]", "_", name).strip()[-200:] or "attachment"


def _clean_file(item: FormField, upload: Any, limit: int) -> str:
    """One uploaded file, checked for type and size; its text for the submission."""
    name = file_name(upload)
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    allowed = list(item.choices or DEFAULT_FILE_TYPES)
    if extension not in allowed:
        raise ValidationError(
            _(
                "“%(name)s” is not a type this form accepts. Choose a file of one of these "
                "types: %(types)s."
            )
            % {"name": name, "types": ", ".join(allowed)}
        )
    size = int(getattr(upload, "size", 0) or 0)
    if size > limit:
        raise ValidationError(
            _(
                "“%(name)s” is too large (%(size)s). Files of up to %(limit)s MB can be sent: "
                "choose a smaller file."
            )
            % {"name": name, "size": filesizeformat(size), "limit": limit // (1024 * 1024)}
        )
    return f"{name} ({filesizeformat(size)})"


def submission_clean(
    *,
    tenant: Tenant,
    form: InquiryForm,
    fields: list[FormField],
    data: dict[str, Any],
    files: Any = None,
) -> Cleaned:
    """Checks every field and the consent, and runs the contact data through the contacts
    app's own normalization (its messages, in the active language). Writes nothing."""
    from contacts.services import clean_contact_data

    result = Cleaned()
    limit: int | None = None
    for item in fields:
        if item.field_type == FieldType.FILE:
            upload = files.get(item.key) if files is not None else None
            if upload is None:
                if item.required:
                    result.errors[item.key] = [_("Choose a file to send.")]
                continue
            if limit is None:
                limit = file_limit_bytes(tenant=tenant)
            try:
                result.values[item.key] = _clean_file(item, upload, limit)
            except ValidationError as exc:
                result.errors[item.key] = list(exc.messages)
            else:
                result.files[item.key] = upload
            continue
        raw = _value_of(data.get(item.key))
        try:
            value = _clean_value(item, raw)
        except (normalize.NormalizationError, ValidationError) as exc:
            message = exc.messages[0] if isinstance(exc, ValidationError) else str(exc)
            result.errors[item.key] = [message]
            result.values[item.key] = raw
            continue
        result.values[item.key] = value
        if item.required and not value:
            result.errors[item.key] = [_("This field is required.")]
            continue
        mapping = item.mapping
        if not mapping or not value:
            continue
        result.place_of[mapping] = item.key
        if mapping.startswith("contact.cf."):
            result.contact_cf[mapping.removeprefix("contact.cf.")] = value
        elif mapping.startswith("ticket.cf."):
            result.ticket_cf[mapping.removeprefix("ticket.cf.")] = value
        elif mapping.startswith("contact."):
            result.contact[mapping.removeprefix("contact.")] = value
        elif mapping.startswith("ticket."):
            result.ticket[mapping.removeprefix("ticket.")] = value
    if not _value_of(data.get(CONSENT)) or _value_of(data.get(CONSENT)) in ("0", "false", "off"):
        result.errors[CONSENT] = [
            _("Please agree to the handling of your personal information to send the form.")
        ]

    full_name = result.contact.pop("full_name", "")
    if full_name:
        last, first = normalize.split_name(full_name)
        result.contact.setdefault("last_name", last)
        if first:
            result.contact.setdefault("first_name", first)
        result.place_of.setdefault("contact.last_name", result.place_of["contact.full_name"])
        result.place_of.setdefault("contact.first_name", result.place_of["contact.full_name"])
    # The contacts app's own rules: phone, postal code, kana, e-mail, prefecture.
    contact_data = {k: v for k, v in result.contact.items() if k != "company_name"}
    if contact_data:
        try:
            result.contact.update(clean_contact_data(tenant=tenant, data=dict(contact_data)))
        except ValidationError as exc:
            for name, messages in exc.message_dict.items():
                key = result.place_of.get(f"contact.{name}")
                if key and key not in result.errors:
                    result.errors[key] = list(messages)
                elif not key:
                    result.errors.setdefault("__all__", []).extend(messages)
    for object_type, prefix, values in (
        (ObjectType.CONTACT, "contact.cf.", result.contact_cf),
        (ObjectType.TICKET, "ticket.cf.", result.ticket_cf),
    ):
        if not values:
            continue
        try:
            clean_custom_fields(
                definitions=definitions_for(tenant=tenant, object_type=object_type),
                data=values,
                creating=False,
            )
        except CustomFieldErrors as exc:
            for cf_key, messages in exc.by_key.items():
                key = result.place_of.get(f"{prefix}{cf_key}", "__all__")
                result.errors.setdefault(key, []).extend(messages)
    return result


def _find_contact(tenant: Tenant, values: dict[str, Any]) -> Any:
    from contacts.models import Contact
    from support.tickets.services import requester_contact

    if values.get("email"):
        return requester_contact(tenant=tenant, email=values["email"], create=False)
    for name in ("phone", "mobile"):
        if values.get(name):
            number = values[name]
            found = (
                Contact.objects.filter(tenant=tenant, deleted_at__isnull=True)
                .filter(**{name: number})
                .order_by("id")
                .first()
            )
            if found is not None:
                return found
    return None


def _company(tenant: Tenant, name: str, actor: Any) -> Any:
    from contacts.models import Company
    from contacts.services import company_create

    found = (
        Company.objects.filter(tenant=tenant, name=name, deleted_at__isnull=True)
        .order_by("id")
        .first()
    )
    return found or company_create(tenant=tenant, actor=actor, name=name)


def _choose(options: Any, text: str) -> Any:
    """A category or priority chosen by its shown name (either language) or value."""
    text = text.strip().lower()
    for option in options:
        names = {str(getattr(option, a, "") or "").lower() for a in ("name_ja", "name_en")}
        if text in names:
            return option
    return None


def _ticket_extras(tenant: Tenant, form: InquiryForm, cleaned: Cleaned) -> dict[str, Any]:
    extras: dict[str, Any] = {
        "category": form.default_category,
        "priority": form.default_priority or Priority.NORMAL,
        "team": form.default_team,
    }
    if cleaned.ticket.get("category"):
        found = _choose(
            TicketCategory.objects.filter(tenant=tenant, is_active=True), cleaned.ticket["category"]
        )
        if found is not None:
            extras["category"] = found
    if cleaned.ticket.get("priority"):
        wanted = cleaned.ticket["priority"].strip().lower()
        for value, label in Priority.choices:
            with translation.override("ja"):
                ja = str(label).lower()
            with translation.override("en"):
                en = str(label).lower()
            if wanted in (value, ja, en):
                extras["priority"] = value
    if cleaned.ticket_cf:
        extras["custom_fields"] = clean_custom_fields(
            definitions=definitions_for(tenant=tenant, object_type=ObjectType.TICKET),
            data=cleaned.ticket_cf,
            creating=False,
        )
    return extras


def _ticket_text(form: InquiryForm, fields: list[FormField], cleaned: Cleaned) -> tuple[str, str]:
    """Subject and body of the ticket: the mapped ones, and the other answers listed under
    the body so the agent sees everything the customer wrote (as plain text)."""
    subject = cleaned.ticket.get("subject") or form.display_title
    lines = []
    for item in fields:
        value = cleaned.values.get(item.key, "")
        if value and item.mapping not in ("ticket.subject", "ticket.body"):
            lines.append(f"{item.label}: {value}")
    body = cleaned.ticket.get("body", "")
    if lines:
        body = f"{body}\n\n---\n" + "\n".join(lines) if body else "\n".join(lines)
    return subject, body


def _attach(tenant: Tenant, ticket: Any, fields: list[FormField], cleaned: Cleaned) -> None:
    """The accepted files go on the inquiry's first customer message as TicketAttachment
    rows, stored exactly like a mail's attachments (the same model and tenant path), so the
    ticket page lists them the same way."""
    from support.tickets.models import MessageKind, TicketAttachment, TicketMessage

    if not cleaned.files:
        return
    message = (
        TicketMessage.objects.filter(tenant=tenant, ticket=ticket, kind=MessageKind.CUSTOMER)
        .order_by("id")
        .first()
    )
    if message is None:  # ticket_create always writes it; a missing one is a bug
        raise RuntimeError("web form ticket without its first message")
    for item in fields:
        upload = cleaned.files.get(item.key)
        if upload is None:
            continue
        name = file_name(upload)
        upload.seek(0)
        TicketAttachment.objects.create(
            tenant=tenant,
            message=message,
            file=File(upload, name=name),
            filename=name,
            # From the name, never the sender's claim (it is shown and served as is).
            content_type=mimetypes.guess_type(name)[0] or "application/octet-stream",
            size=int(upload.size or 0),
        )


def _source(form: InquiryForm) -> str:
    return f"web form: {form.name}"[:50]


def form_submit(
    *,
    tenant: Tenant,
    form: InquiryForm,
    data: dict[str, Any],
    ip: str | None = None,
    user_agent: str = "",
    actor: Any = None,
    files: Any = None,
) -> FormSubmission:
    """A customer's submission: validated in the form's language, then in one transaction
    the contact (found by e-mail or phone, else created; non-empty values win), the ticket
    (inquiry forms) or the lead (lead forms), the submission row and the notifications.
    Raises SubmissionInvalid with messages by field key; then nothing is stored. Required
    custom fields the customer did not give never refuse it: the contact is created and the
    ticket opens without them. A contact still refused (a unique clash) is noted in
    data[NO_CONTACT] or data[CONTACT_NOT_UPDATED] and the rest is stored anyway."""
    from contacts.models import InteractionKind
    from contacts.services import timeline_add
    from support.tickets.services import ticket_create

    if form.tenant_id != tenant.pk:
        raise ValueError("form_submit across tenants")
    fields = list(FormField.objects.filter(tenant=tenant, form=form).order_by("position", "id"))
    with translation.override(form.language):
        cleaned = submission_clean(tenant=tenant, form=form, fields=fields, data=data, files=files)
        if cleaned.errors:
            raise SubmissionInvalid(cleaned.errors)
        try:
            with transaction.atomic():
                contact_values = dict(cleaned.contact)
                company_name = contact_values.pop("company_name", "")
                name = " ".join(
                    v for v in (contact_values.get("last_name"), contact_values.get("first_name"))
                    if v
                )  # fmt: skip
                contact = _find_contact(tenant, contact_values)
                refused: dict[str, list[str]] = {}
                if contact_values:
                    try:
                        # A savepoint: a refused contact leaves no company behind.
                        with transaction.atomic():
                            contact = _contact_save(
                                tenant, form, contact, contact_values, company_name, cleaned, actor
                            )
                    except ValidationError as exc:
                        # What still refuses a contact (a unique custom field another
                        # contact holds) must not lose the inquiry: it opens without the
                        # contact (or with the found one, not updated) and the submission
                        # says why, for the agent.
                        refused = _errors_by_place(cleaned, exc)
                        log.warning(
                            "web form %s: contact %s refused: %s",
                            form.pk,
                            "update" if contact is not None else "creation",
                            sorted(refused),
                        )
                ticket = None
                if form.kind == FormKind.INQUIRY:
                    subject, body = _ticket_text(form, fields, cleaned)
                    # Required inquiry custom fields the customer was not asked for do not
                    # stop the inquiry: the agent fills them in.
                    ticket = ticket_create(
                        tenant=tenant,
                        subject=subject,
                        body=body,
                        channel="web",
                        actor=actor,
                        contact=contact,
                        requester_email=cleaned.contact.get("email", ""),
                        requester_name=name,
                        language=form.language,
                        create_contact=False,
                        require_custom_fields=False,
                        **_ticket_extras(tenant, form, cleaned),
                    )
                    _attach(tenant, ticket, fields, cleaned)
                elif contact is not None:
                    timeline_add(
                        tenant=tenant,
                        contact=contact,
                        kind=InteractionKind.NOTE,
                        occurred_at=timezone.now(),
                        subject=_("Lead from the web form “%(name)s”") % {"name": form.name},
                        body="\n".join(
                            f"{f.label}: {cleaned.values[f.key]}"
                            for f in fields
                            if cleaned.values.get(f.key)
                        ),
                        ref_type="support.formsubmission",
                    )
                submission = FormSubmission.objects.create(
                    tenant=tenant,
                    form=form,
                    data={
                        **cleaned.values,
                        "_labels": {f.key: f.label for f in fields},
                        **(
                            {CONTACT_NOT_UPDATED if contact is not None else NO_CONTACT: refused}
                            if refused
                            else {}
                        ),
                    },
                    ip_hash=ip_hash(ip) if ip else "",
                    user_agent=(user_agent or "")[:300],
                    contact=contact,
                    ticket=ticket,
                    receipt="",
                )
                submission.receipt = (
                    f"#{ticket.number}" if ticket is not None else f"L-{submission.pk}"
                )
                submission.save(update_fields=["receipt"])
                _notify(tenant, form, submission, fields)
        except ValidationError as exc:
            # A rule checked only at save time on the inquiry (a unique custom field).
            raise SubmissionInvalid(_errors_by_place(cleaned, exc)) from None
    return submission


def _errors_by_place(cleaned: Cleaned, exc: ValidationError) -> dict[str, list[str]]:
    """A service's field errors keyed by the form field that gave the value ("__all__")."""
    errors: dict[str, list[str]] = {}
    for name, messages in getattr(exc, "message_dict", {"__all__": exc.messages}).items():
        target = name.removeprefix("cf_")
        key = (
            cleaned.place_of.get(f"contact.{target}")
            or cleaned.place_of.get(f"contact.cf.{target}")
            or cleaned.place_of.get(f"ticket.cf.{target}")
            or "__all__"
        )
        errors.setdefault(key, []).extend(messages)
    return errors


def _contact_save(
    tenant: Tenant,
    form: InquiryForm,
    contact: Any,
    values: dict[str, Any],
    company_name: str,
    cleaned: Cleaned,
    actor: Any,
) -> Any:
    """The found contact updated with the non-empty answers, or a new contact. A required
    contact custom field the form does not ask for does not stop a new contact
    (require_custom_fields=False): the customer cannot give it; the agent fills it in."""
    from contacts.services import contact_create, contact_update

    values = dict(values)
    if company_name:
        values["company"] = _company(tenant, company_name, actor)
    if cleaned.contact_cf:
        values["custom_fields"] = cleaned.contact_cf
    if contact is None:
        values["source"] = _source(form)
        if form.kind == FormKind.LEAD:
            values["lifecycle_stage"] = "lead"
        return contact_create(tenant=tenant, actor=actor, require_custom_fields=False, **values)
    if not contact.source:
        values["source"] = _source(form)
    return contact_update(tenant=tenant, contact=contact, actor=actor, **values)


@dataclass
class PublicOutcome:
    """What the public page and the public API answer: accepted (the submission), silent
    (a bot: thank it, store nothing), refused (the time token: say why, keep the entries),
    invalid (errors by field), limited (429)."""

    status: str
    submission: FormSubmission | None = None
    message: str = ""
    errors: dict[str, list[str]] = field(default_factory=dict)


def form_submit_public(
    *,
    tenant: Tenant,
    form: InquiryForm,
    data: dict[str, Any],
    ip: str | None,
    user_agent: str = "",
    files: Any = None,
) -> PublicOutcome:
    """A post from the outside, checked in this order (call inside the form's language):
    the attempt ceiling, the honeypot, the time token, then one of the address's submission
    slots, then form_submit. A refused submission gives its slot back, so a customer fixing
    mistakes is never locked out; only stored submissions use up the limit."""
    if not attempt_allowed(tenant=tenant, ip=ip):
        return PublicOutcome("limited")
    check = spam_check(form=form, data=data)
    if check.silent:
        return PublicOutcome("silent")
    if check.refused:
        return PublicOutcome("refused", message=check.message)
    if not submission_slot_take(tenant=tenant, ip=ip):
        return PublicOutcome("limited")
    try:
        submission = form_submit(
            tenant=tenant, form=form, data=data, ip=ip, user_agent=user_agent, files=files
        )
    except SubmissionInvalid as exc:
        submission_slot_give_back(tenant=tenant, ip=ip)
        return PublicOutcome("invalid", errors=exc.errors)
    except BaseException:
        submission_slot_give_back(tenant=tenant, ip=ip)
        raise
    return PublicOutcome("accepted", submission=submission)


def _url(name: str, **kwargs: Any) -> str:
    try:
        return reverse(name, kwargs=kwargs)
    except NoReverseMatch:
        return ""


def _notify(
    tenant: Tenant, form: InquiryForm, submission: FormSubmission, fields: list[FormField]
) -> None:
    """The bell for members, a plain-text mail (after commit) for addresses."""
    from crm.core.models import User
    from crm.core.services.notifications import notify

    url = ""
    if submission.ticket_id:
        url = _url("support:ticket_detail", ticket_id=submission.ticket_id)
    url = url or _url("support:form_submissions", form_id=form.pk)
    lines = [
        f"{f.label}: {submission.data.get(f.key, '')}" for f in fields if submission.data.get(f.key)
    ]
    users = User.objects.filter(
        pk__in=Membership.objects.filter(
            tenant=tenant, user_id__in=form.notify_user_ids, is_active=True
        ).values("user_id")
    )
    for user in users:
        language = getattr(user, "language", "") or tenant.language or "ja"
        with translation.override(language):
            notify(
                tenant=tenant,
                user=user,
                kind="support.form_submission",
                title=_("New submission of “%(form)s” (%(receipt)s)")
                % {"form": form.name, "receipt": submission.receipt},
                body="\n".join(lines)[:1000],
                url=url,
                dedupe_key=f"webform:{submission.pk}",
            )
    if form.notify_emails:
        with translation.override(tenant.language or "ja"):
            subject = _("New submission of “%(form)s” (%(receipt)s)") % {
                "form": form.name,
                "receipt": submission.receipt,
            }
        body = "\n".join(lines)
        recipients = list(form.notify_emails)
        transaction.on_commit(
            lambda: send_mail(subject, body, None, recipients, fail_silently=False)
        )
