"""Reads for companies, contacts and the timeline.

Record visibility lives in ONE place, `visible_contacts` / `visible_companies`: pages, the
API, search and exports all start from them, so a rule cannot be enforced in one door and
forgotten in another."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q, QuerySet
from django.db.models.functions import Concat
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone

from crm.core import normalize
from crm.core.customfields import FIELD_PREFIX, CustomFieldFilter, definitions_for
from crm.core.models import CustomFieldDefinition, Membership, ObjectType, Tenant
from crm.core.roles import Role

from .models import Company, Contact, Gender, Interaction, LifecycleStage
from .search import search_companies, search_contacts

# Under 'own_team', these roles are limited to their team's records. Admins and owners see
# all; marketers, support agents and viewers work across every customer (campaigns, the
# inquiry queue), so the setting does not narrow them.
TEAM_LIMITED_ROLES = frozenset({Role.SALES, Role.MANAGER})


def team_user_ids(membership: Membership) -> list[int]:
    """The users whose records a team-limited member sees: themselves, plus for a manager
    their direct reports, plus for a rep their manager and the manager's other reports."""
    leader_id = membership.pk if membership.role == Role.MANAGER else membership.manager_id
    ids = {membership.user_id}
    if leader_id is not None:
        ids.update(
            Membership.objects.filter(tenant_id=membership.tenant_id, is_active=True)
            .filter(Q(pk=leader_id) | Q(manager_id=leader_id))
            .values_list("user_id", flat=True)
        )
    return sorted(ids)


def visibility_filter(tenant: Tenant, membership: Membership | None) -> Q | None:
    """None = no restriction; else the Q on `owner_id` the member is limited to.
    `membership` None (no member, e.g. a system job) sees everything only when the tenant
    does not limit visibility; an API key passes the membership of the user who made it with
    the key's role (see contacts.api.views.api_membership)."""
    if tenant.record_visibility != Tenant.RecordVisibility.OWN_TEAM:
        return None
    if membership is None:
        return Q(pk__in=[])
    if membership.role not in TEAM_LIMITED_ROLES:
        return None
    return Q(owner_id__in=team_user_ids(membership))


def visible_contacts(tenant: Tenant, membership: Membership | None) -> QuerySet[Contact]:
    """Live contacts this member may see."""
    qs = Contact.objects.filter(tenant=tenant, deleted_at=None)
    rule = visibility_filter(tenant, membership)
    return qs if rule is None else qs.filter(rule)


def visible_companies(tenant: Tenant, membership: Membership | None) -> QuerySet[Company]:
    qs = Company.objects.filter(tenant=tenant, deleted_at=None)
    rule = visibility_filter(tenant, membership)
    return qs if rule is None else qs.filter(rule)


def access_contact(
    *, tenant: Tenant, contact_id: int, membership: Membership | None = None, visible: bool = True
) -> Contact:
    """Another tenant's contact, a deleted one or one hidden by visibility is simply not
    found (404), never forbidden. `visible=False` skips the visibility rule (system use)."""
    qs = (
        visible_contacts(tenant, membership)
        if visible
        else Contact.objects.filter(tenant=tenant, deleted_at=None)
    )
    return get_object_or_404(qs.select_related("company", "owner"), pk=contact_id)


def access_deleted_contact(
    *, tenant: Tenant, contact_id: int, membership: Membership | None
) -> Contact:
    rule = visibility_filter(tenant, membership)
    qs = Contact.objects.filter(tenant=tenant, deleted_at__isnull=False)
    if rule is not None:
        qs = qs.filter(rule)
    return get_object_or_404(qs, pk=contact_id)


def access_company(
    *, tenant: Tenant, company_id: int, membership: Membership | None = None
) -> Company:
    return get_object_or_404(
        visible_companies(tenant, membership).select_related("owner"), pk=company_id
    )


def access_deleted_company(
    *, tenant: Tenant, company_id: int, membership: Membership | None
) -> Company:
    rule = visibility_filter(tenant, membership)
    qs = Company.objects.filter(tenant=tenant, deleted_at__isnull=False)
    if rule is not None:
        qs = qs.filter(rule)
    return get_object_or_404(qs, pk=company_id)


# --- lists and filters ---------------------------------------------------------------------
# The list's conditions, by query parameter name: the list page, the API, saved views and the
# export all read these (through `contact_filters`), so a condition means the same everywhere.
TEXT_PARAMS: tuple[str, ...] = (
    *("q", "name", "email", "phone", "company_name", "prefecture", "customer_code", "source"),
)
MULTI_PARAMS = ("tag", "tag_any", "lifecycle_stage")
DATE_RANGE_PARAMS = {
    "created": ("created_from", "created_to"),
    "last_activity": ("last_activity_from", "last_activity_to"),
    "birth": ("birth_from", "birth_to"),
}
FLAG_PARAMS = ("do_not_email", "do_not_call", "do_not_mail")
FILTER_PARAMS: tuple[str, ...] = (
    *TEXT_PARAMS,
    *MULTI_PARAMS,
    "owner",
    "company",
    "gender",
    *(name for pair in DATE_RANGE_PARAMS.values() for name in pair),
    *FLAG_PARAMS,
    "updated_since",
)
OWNER_ME = "me"
OWNER_UNASSIGNED = "unassigned"
GENDER_UNSPECIFIED = "unspecified"
YES_VALUES = frozenset({"yes", "true", "1", "on"})
NO_VALUES = frozenset({"no", "false", "0", "off"})
MAX_VALUES = 50  # values per repeatable parameter (tags, stages)


def _param_lists(params: Mapping[str, Any]) -> dict[str, list[str]]:
    """Every parameter as a list of stripped strings: a QueryDict (?tag=a&tag=b), a DRF
    query_params, a plain dict or a saved view's stored {"tag": ["a", "b"]}."""
    out: dict[str, list[str]] = {}
    getlist = getattr(params, "getlist", None)
    for name in params:
        values = getlist(name) if getlist is not None else params[name]
        if not isinstance(values, (list, tuple)):
            values = [values]
        out[str(name)] = ["" if v is None else str(v).strip() for v in values]
    return out


def _split(values: list[str]) -> list[str]:
    """Repeated parameters and comma-separated values alike ("a,b" = a and b)."""
    items: list[str] = []
    for value in values:
        for part in value.replace("、", ",").replace("，", ",").split(","):
            part = part.strip()
            if part and part not in items:
                items.append(part)
    return items[:MAX_VALUES]


@dataclass
class ContactFilters:
    """The contact list's conditions (see FILTER_PARAMS); they AND together. Every value is
    optional; `errors` says, per parameter, what could not be read (that condition is then
    left out, the rest still apply). `params` holds what was given, as typed, so a form can
    show it again; `custom` the custom field filter (cf_<key>=) when built by
    `contact_filters`."""

    q: str = ""
    name: str = ""
    email: str = ""
    phone: str = ""
    company_name: str = ""
    prefecture: str = ""
    customer_code: str = ""
    source: str = ""
    owner: int | None = None
    owner_unassigned: bool = False
    lifecycle_stages: list[str] = field(default_factory=list)
    tags_all: list[str] = field(default_factory=list)
    tags_any: list[str] = field(default_factory=list)
    gender: str | None = None
    created_from: dt.date | None = None
    created_to: dt.date | None = None
    last_activity_from: dt.date | None = None
    last_activity_to: dt.date | None = None
    birth_from: dt.date | None = None
    birth_to: dt.date | None = None
    do_not_email: bool | None = None
    do_not_call: bool | None = None
    do_not_mail: bool | None = None
    updated_since: dt.datetime | None = None
    company: int | None = None
    custom: CustomFieldFilter | None = None
    view: Any = None  # the SavedView whose conditions these are (?view=<id>), if any
    params: dict[str, list[str]] = field(default_factory=dict)
    errors: dict[str, list[str]] = field(default_factory=dict)

    # The first version's single-valued names, still read by callers.
    @property
    def lifecycle_stage(self) -> str:
        return self.lifecycle_stages[0] if self.lifecycle_stages else ""

    @property
    def tag(self) -> str:
        return self.tags_all[0] if self.tags_all else ""

    @property
    def owner_value(self) -> str:
        """The owner condition as the form's select spells it."""
        return (self.params.get("owner") or [""])[-1]

    @property
    def is_active(self) -> bool:
        """Any condition given (whether or not it could be read)."""
        return any(any(v for v in self.params.get(n, [])) for n in FILTER_PARAMS) or bool(
            self.custom is not None and self.custom.active
        )

    def value(self, name: str) -> str:
        """The last value given for `name`, as typed (for the form)."""
        return (self.params.get(name) or [""])[-1]

    def values(self, name: str) -> list[str]:
        return _split(self.params.get(name, []))

    def all_errors(self) -> dict[str, list[str]]:
        """Built-in and custom field errors together, by parameter name (the API's 400)."""
        merged = dict(self.errors)
        if self.custom is not None:
            merged.update(self.custom.errors)
        return merged

    @classmethod
    def from_params(
        cls, params: Mapping[str, Any], *, user_id: int | None = None
    ) -> ContactFilters:
        """Reads the built-in conditions (no database access). `user_id` is who "me" is.
        Prefer `contact_filters`, which also resolves ?view=, checks the owner and reads the
        custom field conditions."""
        from django.utils.dateparse import parse_datetime
        from django.utils.translation import gettext as _

        lists = _param_lists(params)
        filters = cls(params={n: v for n, v in lists.items() if n != "before"})
        errors = filters.errors

        def get(name: str) -> str:
            return (lists.get(name) or [""])[-1]

        for name in TEXT_PARAMS:
            setattr(filters, name, get(name))
        if filters.prefecture:
            canonical = normalize.prefecture_name(filters.prefecture)
            if canonical:
                filters.prefecture = canonical
            else:
                errors["prefecture"] = [
                    _("“%(value)s” is not a prefecture. Enter one like 東京都 or 大阪.")
                    % {"value": filters.prefecture}
                ]
        filters.tags_all = _split(lists.get("tag", []))
        filters.tags_any = _split(lists.get("tag_any", []))
        stages = _split(lists.get("lifecycle_stage", []))
        unknown = [s for s in stages if s not in LifecycleStage.values]
        if unknown:
            errors["lifecycle_stage"] = [
                _("Unknown stage “%(value)s”. Use one of: %(stages)s.")
                % {"value": unknown[0], "stages": ", ".join(LifecycleStage.values)}
            ]
        filters.lifecycle_stages = [s for s in stages if s in LifecycleStage.values]

        owner = get("owner")
        if owner == OWNER_UNASSIGNED:
            filters.owner_unassigned = True
        elif owner == OWNER_ME:
            if user_id is None:
                errors["owner"] = [_("“me” needs a signed-in user; give the owner's user id.")]
            else:
                filters.owner = user_id
        elif owner:
            if owner.isdigit():
                filters.owner = int(owner)
            else:
                errors["owner"] = [_("Give the owner as a user id, “me” or “unassigned”.")]
        raw = get("company")
        if raw:
            if raw.isdigit():
                filters.company = int(raw)
            else:
                errors["company"] = [_("Give the id as a number.")]

        gender = get("gender")
        if gender == GENDER_UNSPECIFIED:
            filters.gender = Gender.UNKNOWN.value
        elif gender:
            if gender in Gender.values:
                filters.gender = gender
            else:
                errors["gender"] = [
                    _("Unknown gender “%(value)s”. Use one of: %(values)s.")
                    % {
                        "value": gender,
                        "values": ", ".join([*(g for g in Gender.values if g), GENDER_UNSPECIFIED]),
                    }
                ]

        for start, end in DATE_RANGE_PARAMS.values():
            for name in (start, end):
                raw = get(name)
                if not raw:
                    continue
                try:
                    setattr(filters, name, normalize.parse_date(raw))
                except normalize.NormalizationError as exc:
                    errors[name] = [str(exc)]
            low, high = getattr(filters, start), getattr(filters, end)
            if low is not None and high is not None and low > high:
                errors[end] = [_("The end date is before the start date.")]
                setattr(filters, start, None)
                setattr(filters, end, None)

        for name in FLAG_PARAMS:
            raw = get(name).lower()
            if raw in YES_VALUES:
                setattr(filters, name, True)
            elif raw in NO_VALUES:
                setattr(filters, name, False)
            elif raw:
                errors[name] = [_("Use “yes” or “no”.")]

        raw = get("updated_since")
        if raw:
            parsed = parse_datetime(raw)
            if parsed is None:
                day = None
                with contextlib.suppress(normalize.NormalizationError):
                    day = normalize.parse_date(raw)
                if day is not None:
                    parsed = dt.datetime.combine(day, dt.time())
            if parsed is None:
                errors["updated_since"] = [
                    _("Give a date and time like 2024-01-02T09:00:00+09:00 or 2024-01-02.")
                ]
            else:
                if timezone.is_naive(parsed):
                    parsed = timezone.make_aware(parsed)
                filters.updated_since = parsed
        if filters.phone:
            try:
                filters.phone = normalize.normalize_phone(filters.phone)
            except normalize.NormalizationError as exc:
                errors["phone"] = [str(exc)]
        return filters


def contact_filters(
    *,
    tenant: Tenant,
    params: Mapping[str, Any],
    membership: Membership | None = None,
    definitions: list[CustomFieldDefinition] | None = None,
) -> ContactFilters:
    """THE reader of the contact list's query parameters (list page, API, export):
    built-in conditions, custom field conditions (cf_<key>=) and ?view=<id>, whose saved
    conditions are the base that parameters given next to it replace, key by key. A view
    the member may not open (another tenant's, another user's private one) is a 404.
    Queries: the custom field definitions unless given, the view when named, the owner
    check when an owner id is given."""
    from django.utils.translation import gettext as _

    from .savedviews.selectors import access_saved_view

    user_id = membership.user_id if membership is not None else None
    lists = _param_lists(params)
    view = None
    raw_view = (lists.get("view") or [""])[-1]
    if raw_view:
        if not raw_view.isdigit():
            raise Http404
        view = access_saved_view(tenant=tenant, view_id=int(raw_view), user_id=user_id)
        merged = _param_lists(view.params)
        merged.update({n: v for n, v in lists.items() if n != "view"})
        lists = merged
    filters = ContactFilters.from_params(lists, user_id=user_id)
    filters.view = view
    if definitions is None:
        definitions = definitions_for(tenant=tenant, object_type=ObjectType.CONTACT)
    filters.custom = CustomFieldFilter(
        definitions, {n: v[-1] for n, v in lists.items() if v and n.startswith(FIELD_PREFIX)}
    )
    if filters.owner is not None and "owner" not in filters.errors:
        known = Membership.objects.filter(tenant=tenant, user_id=filters.owner).exists()
        if not known:
            filters.errors["owner"] = [
                _("No member of this tenant has the user id %(id)s.") % {"id": filters.owner}
            ]
            filters.owner = None
    return filters


def _day_start(day: dt.date, tenant: Tenant) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), tzinfo=tenant.zone)


def _filter_contacts(
    qs: QuerySet[Contact], *, tenant: Tenant, filters: ContactFilters
) -> QuerySet[Contact]:
    bad = filters.errors
    if filters.name:
        text = filters.name.replace(" ", "").replace("\u3000", "")
        kana = normalize.normalize_kana(text)
        qs = qs.alias(
            _full_name=Concat("last_name", "first_name"),
            _full_kana=Concat("last_name_kana", "first_name_kana"),
        ).filter(Q(_full_name__icontains=text) | Q(_full_kana__contains=kana))
    if filters.email:
        qs = qs.filter(email_key=normalize.email_match_key(filters.email) or filters.email.lower())
    if filters.phone and "phone" not in bad:
        qs = qs.filter(Q(phone=filters.phone) | Q(mobile=filters.phone))
    if filters.company_name:
        qs = qs.filter(
            Q(company__name__icontains=filters.company_name)
            | Q(company__name_kana__contains=normalize.normalize_kana(filters.company_name))
        )
    if filters.prefecture and "prefecture" not in bad:
        qs = qs.filter(prefecture=filters.prefecture)
    if filters.customer_code:
        qs = qs.filter(customer_code=normalize.to_halfwidth(filters.customer_code))
    if filters.source:
        qs = qs.filter(source__icontains=filters.source)
    if filters.owner_unassigned:
        qs = qs.filter(owner__isnull=True)
    elif filters.owner is not None:
        qs = qs.filter(owner_id=filters.owner)
    if filters.lifecycle_stages:
        qs = qs.filter(lifecycle_stage__in=filters.lifecycle_stages)
    if filters.tags_all:
        qs = qs.filter(tags__contains=filters.tags_all)
    if filters.tags_any:
        qs = qs.filter(tags__overlap=filters.tags_any)
    if filters.gender is not None:
        qs = qs.filter(gender=filters.gender)
    for column, start, end in (
        ("created_at", filters.created_from, filters.created_to),
        ("last_activity_at", filters.last_activity_from, filters.last_activity_to),
    ):
        # Days are the tenant's calendar days: [start 00:00, end + 1 day 00:00).
        if start is not None:
            qs = qs.filter(**{f"{column}__gte": _day_start(start, tenant)})
        if end is not None:
            qs = qs.filter(**{f"{column}__lt": _day_start(end + dt.timedelta(days=1), tenant)})
    if filters.birth_from is not None:
        qs = qs.filter(birth_date__gte=filters.birth_from)
    if filters.birth_to is not None:
        qs = qs.filter(birth_date__lte=filters.birth_to)
    for flag in FLAG_PARAMS:
        value = getattr(filters, flag)
        if value is not None:
            qs = qs.filter(**{flag: value})
    if filters.updated_since is not None:
        qs = qs.filter(updated_at__gte=filters.updated_since)
    if filters.company is not None:
        qs = qs.filter(company_id=filters.company)
    if filters.custom is not None:
        qs = filters.custom.apply(qs)
    return qs


def contact_list(
    *,
    tenant: Tenant,
    membership: Membership | None = None,
    filters: ContactFilters | None = None,
    q: str = "",
    visible: bool = True,
) -> QuerySet[Contact]:
    """Live contacts matching `filters`, newest first, with company and owner joined
    (constant queries). Record visibility applies first: conditions only narrow it."""
    qs = (
        visible_contacts(tenant, membership)
        if visible
        else Contact.objects.filter(tenant=tenant, deleted_at=None)
    )
    filters = filters or ContactFilters(q=q)
    if filters.q:
        qs = search_contacts(tenant=tenant, q=filters.q, base_qs=qs)
    qs = _filter_contacts(qs, tenant=tenant, filters=filters)
    return qs.select_related("company", "owner").order_by("-id")


def company_list(
    *, tenant: Tenant, membership: Membership | None = None, q: str = "", tag: str = ""
) -> QuerySet[Company]:
    qs = visible_companies(tenant, membership)
    if q.strip():
        qs = search_companies(tenant=tenant, q=q, base_qs=qs)
    if tag:
        qs = qs.filter(tags__contains=[tag])
    return qs.select_related("owner").order_by("-id")


def deleted_contacts(*, tenant: Tenant, membership: Membership | None) -> QuerySet[Contact]:
    rule = visibility_filter(tenant, membership)
    qs = Contact.objects.filter(tenant=tenant, deleted_at__isnull=False)
    if rule is not None:
        qs = qs.filter(rule)
    # merged_into: the deleted list shows merged contacts with their survivor, not Restore
    return qs.select_related("company", "merged_into").order_by("-deleted_at", "-id")


def deleted_companies(*, tenant: Tenant, membership: Membership | None) -> QuerySet[Company]:
    rule = visibility_filter(tenant, membership)
    qs = Company.objects.filter(tenant=tenant, deleted_at__isnull=False)
    if rule is not None:
        qs = qs.filter(rule)
    return qs.order_by("-deleted_at", "-id")


# --- timeline ---------------------------------------------------------------------------------
def _timeline(
    qs: QuerySet[Interaction], *, kind: str = "", before: str = "", limit: int = 50
) -> tuple[list[Interaction], str | None]:
    """Newest first; keyset on (occurred_at, id): `before` is the cursor of the last entry
    shown ('<iso time>_<id>'). Returns the page and the next cursor."""
    if kind:
        qs = qs.filter(kind=kind)
    if before:
        stamp, _sep, last_id = before.rpartition("_")
        from django.utils.dateparse import parse_datetime

        when = parse_datetime(stamp)
        if when is None or not last_id.isdigit():
            raise Http404
        qs = qs.filter(Q(occurred_at__lt=when) | Q(occurred_at=when, id__lt=int(last_id)))
    rows = list(qs.select_related("actor").order_by("-occurred_at", "-id")[: limit + 1])
    page = rows[:limit]
    cursor = None
    if len(rows) > limit:
        last = page[-1]
        cursor = f"{last.occurred_at.isoformat()}_{last.pk}"
    return page, cursor


def contact_timeline(
    *, tenant: Tenant, contact: Contact, kind: str = "", before: str = "", limit: int = 50
) -> tuple[list[Interaction], str | None]:
    qs = Interaction.objects.filter(tenant=tenant, contact=contact)
    return _timeline(qs, kind=kind, before=before, limit=limit)


def company_timeline(
    *,
    tenant: Tenant,
    company: Company,
    membership: Membership | None = None,
    kind: str = "",
    before: str = "",
    limit: int = 50,
) -> tuple[list[Interaction], str | None]:
    """The company's entries and its contacts' entries, leaving out those of contacts that
    were deleted or that the member may not see."""
    qs = Interaction.objects.filter(tenant=tenant, company=company).filter(
        Q(contact__isnull=True) | Q(contact__in=visible_contacts(tenant, membership).values("id"))
    )
    return _timeline(qs, kind=kind, before=before, limit=limit)
