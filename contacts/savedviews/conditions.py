"""The contact list's conditions as people see them: a label per condition ("chips") with a
link that removes just that one, and the query string that carries the conditions on to the
next page, the saved view and the export."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from crm.core.customfields import FIELD_PREFIX, label_for

from ..models import Gender, LifecycleStage
from ..selectors import (
    FILTER_PARAMS,
    GENDER_UNSPECIFIED,
    OWNER_ME,
    OWNER_UNASSIGNED,
    ContactFilters,
)

LABELS = {
    "q": gettext_lazy("Search"),
    "name": gettext_lazy("Name or kana"),
    "email": gettext_lazy("E-mail"),
    "phone": gettext_lazy("Phone"),
    "company_name": gettext_lazy("Company"),
    "company": gettext_lazy("Company id"),
    "prefecture": gettext_lazy("Prefecture"),
    "customer_code": gettext_lazy("Customer code"),
    "source": gettext_lazy("Source"),
    "tag": gettext_lazy("Tags (all of)"),
    "tag_any": gettext_lazy("Tags (any of)"),
    "owner": gettext_lazy("Owner"),
    "lifecycle_stage": gettext_lazy("Stage"),
    "gender": gettext_lazy("Gender"),
    "created_from": gettext_lazy("Created from"),
    "created_to": gettext_lazy("Created until"),
    "last_activity_from": gettext_lazy("Last activity from"),
    "last_activity_to": gettext_lazy("Last activity until"),
    "birth_from": gettext_lazy("Born from"),
    "birth_to": gettext_lazy("Born until"),
    "do_not_email": gettext_lazy("Do not e-mail"),
    "do_not_call": gettext_lazy("Do not call"),
    "do_not_mail": gettext_lazy("Do not send mail (DM)"),
    "updated_since": gettext_lazy("Updated since"),
}
MULTI = ("tag", "tag_any", "lifecycle_stage")


@dataclass
class Chip:
    name: str
    label: str
    value: str
    remove_querystring: str


def condition_params(filters: ContactFilters) -> dict[str, list[str]]:
    """The conditions given (built-in and cf_<key>), non-empty values only, in a stable
    order; a saved view's conditions already merged in."""
    out: dict[str, list[str]] = {}
    for name in FILTER_PARAMS:
        values = [v for v in filters.params.get(name, []) if v]
        if values:
            out[name] = filters.values(name) if name in MULTI else values[-1:]
    for name in sorted(filters.params):
        if name.startswith(FIELD_PREFIX):
            values = [v for v in filters.params[name] if v]
            if values:
                out[name] = values[-1:]
    return out


def querystring(params: dict[str, list[str]]) -> str:
    return urlencode(params, doseq=True)


def _display(name: str, value: str, owners: dict[str, str], filters: ContactFilters) -> str:
    flag = {"yes": _("Yes"), "true": _("Yes"), "1": _("Yes"), "no": _("No"), "false": _("No")}
    if name == "owner":
        if value == OWNER_ME:
            return str(_("Me"))
        if value == OWNER_UNASSIGNED:
            return str(_("Unassigned"))
        return owners.get(value, value)
    if name == "lifecycle_stage":
        return str(dict(LifecycleStage.choices).get(value, value))
    if name == "gender":
        if value == GENDER_UNSPECIFIED:
            return str(_("Not specified"))
        return str(dict(Gender.choices).get(value, value))
    if name.startswith("do_not_"):
        return str(flag.get(value.lower(), value))
    return value


def chips(filters: ContactFilters, owners: dict[str, str]) -> list[Chip]:
    """One chip per condition value; removing it keeps every other condition."""
    params = condition_params(filters)
    by_key: dict[str, Any] = filters.custom.by_key if filters.custom is not None else {}
    out: list[Chip] = []
    for name, values in params.items():
        if name.startswith(FIELD_PREFIX):
            base, _sep, suffix = name.removeprefix(FIELD_PREFIX).partition("__")
            definition = by_key.get(base)
            label = label_for(definition) if definition is not None else base
            if suffix == "gte":
                label = f"{label} ≥"
            elif suffix == "lte":
                label = f"{label} ≤"
        else:
            label = str(LABELS.get(name, name))
        for value in values:
            rest = {n: list(v) for n, v in params.items()}
            rest[name] = [v for v in rest[name] if v != value]
            if not rest[name]:
                del rest[name]
            out.append(
                Chip(
                    name=name,
                    label=label,
                    value=_display(name, value, owners, filters),
                    remove_querystring=querystring(rest),
                )
            )
    return out


DATE_HINT = "2024/4/1"  # the full spelling help is one line under the ranges


@dataclass
class Input:
    """One text input of the advanced search panel, with what was typed and its errors."""

    name: str
    label: str
    value: str
    errors: list[str]
    placeholder: str = ""
    inputmode: str = ""
    list_id: str = ""


def _input(filters: ContactFilters, name: str, **extra: str) -> Input:
    return Input(
        name=name,
        label=str(LABELS[name]),
        value=filters.value(name),
        errors=filters.errors.get(name, []),
        **extra,
    )


def text_inputs(filters: ContactFilters) -> list[Input]:
    return [
        _input(filters, "name"),
        _input(filters, "email", inputmode="email"),
        _input(filters, "phone", inputmode="tel"),
        _input(filters, "company_name"),
        _input(filters, "prefecture", list_id="prefectures"),
        _input(filters, "customer_code"),
        _input(filters, "source"),
        _input(filters, "tag_any", placeholder=str(_("Comma-separated"))),
    ]


DATE_LEGENDS = {
    "created": gettext_lazy("Created"),
    "last_activity": gettext_lazy("Last activity"),
    "birth": gettext_lazy("Birth date"),
}


def date_inputs(filters: ContactFilters) -> list[tuple[str, Input, Input]]:
    from ..selectors import DATE_RANGE_PARAMS

    return [
        (
            str(DATE_LEGENDS[kind]),
            _input(filters, start, placeholder=str(DATE_HINT)),
            _input(filters, end, placeholder=str(DATE_HINT)),
        )
        for kind, (start, end) in DATE_RANGE_PARAMS.items()
    ]


def flag_inputs(filters: ContactFilters) -> list[Input]:
    from ..selectors import FLAG_PARAMS

    return [_input(filters, name) for name in FLAG_PARAMS]
