"""One row of cells -> the values to stage, plus what the user should hear about it.

The rules (issue 3): a row is rejected only when it has neither a name nor a usable e-mail
or phone; an invalid optional value is left empty and reported as a warning with its row and
column, and the rest of the row is imported. Values beginning with = + - @ are stored exactly
as typed (exports neutralise them, not imports).
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from crm.core import normalize
from crm.core.customfields import clean_value, label_for, to_json
from crm.core.models import CustomFieldDefinition

from . import fast
from .mapping import CF_PREFIX, TARGETS_BY_NAME

# The staged columns, in COPY order (all text; '' is empty). Custom fields follow as cf_<i>.
STAGE_COLUMNS = (
    "last_name",
    "first_name",
    "last_name_kana",
    "first_name_kana",
    "company_name",
    "department",
    "title",
    "email",
    "email_key",
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
    "tags",
)
MAX_LENGTH = {
    "last_name": 100,
    "first_name": 100,
    "last_name_kana": 100,
    "first_name_kana": 100,
    "company_name": 200,
    "department": 100,
    "title": 100,
    "email": 254,
    "address": 300,
    "source": 50,
    "customer_code": 50,
}
PREFECTURES = normalize.PREFECTURES
_PREFECTURE_PREFIX = re.compile(r"^(北海道|東京都|京都府|大阪府|.{2,3}県)")

GENDERS = {
    "male": ("男", "男性", "m", "male", "man", "1"),
    "female": ("女", "女性", "f", "female", "woman", "2"),
    "other": ("その他", "other", "o", "9", "x"),
}
GENDER_UNKNOWN = ("不明", "未回答", "unknown", "0", "-")
STAGES = {
    "lead": ("lead", "リード", "見込み", "見込"),
    "prospect": ("prospect", "商談中", "見込み客", "見込客", "プロスペクト"),
    "customer": ("customer", "顧客", "既存顧客", "カスタマー", "取引中"),
    "churned": ("churned", "離反", "解約", "休眠", "取引終了"),
}
_GENDER_INDEX = {alias: key for key, aliases in GENDERS.items() for alias in aliases}
_STAGE_INDEX = {alias: key for key, aliases in STAGES.items() for alias in aliases}
_SPACES = re.compile(r"[\s\u3000]+")


@dataclass(frozen=True)
class Issue:
    row: int
    column: str
    value: str
    message: str
    level: str = "warning"  # "warning" (value dropped) | "error" (row rejected)


@dataclass
class RowResult:
    values: list[str] | None  # None: rejected
    issues: list[Issue]
    cells: dict[str, str]  # target -> normalized text (for the preview)


_phone = fast.normalize_phone


@lru_cache(maxsize=65_536)
def _fold(value: str) -> str:
    return _SPACES.sub(" ", value).strip()


class RowNormalizer:
    """Holds the mapping and the per-import caches (postal codes)."""

    def __init__(
        self,
        header: list[str],
        mapping: list[str],
        definitions: Iterable[CustomFieldDefinition],
    ) -> None:
        self.header = header
        by_key = {d.key: d for d in definitions}
        self.columns: list[tuple[int, str]] = [(i, t) for i, t in enumerate(mapping) if t]
        self.custom: list[CustomFieldDefinition] = [
            by_key[t.removeprefix(CF_PREFIX)] for _i, t in self.columns if t.startswith(CF_PREFIX)
        ]
        self.custom_index = {d.key: n for n, d in enumerate(self.custom)}
        self.column_of = {t: i for i, t in self.columns}
        self._postal: dict[str, normalize.PostalAddress | None] = {}
        self.parse_date = fast.Memo(normalize.parse_date)
        self.normalize_postal_code = fast.Memo(normalize.normalize_postal_code)
        self.today = _today()

    @property
    def stage_columns(self) -> list[str]:
        return list(STAGE_COLUMNS) + [f"cf_{n}" for n in range(len(self.custom))]

    def column_label(self, target: str) -> str:
        index = self.column_of.get(target)
        if index is not None and index < len(self.header):
            return self.header[index]
        t = TARGETS_BY_NAME.get(target)
        return str(t.label) if t else target

    def postal(self, code: str) -> normalize.PostalAddress | None:
        if code not in self._postal:
            self._postal[code] = normalize.lookup_postal_code(code)
        return self._postal[code]

    def normalize(self, cells: list[str], row: int) -> RowResult:
        issues: list[Issue] = []
        raw: dict[str, str] = {}
        for index, target in self.columns:
            raw[target] = cells[index] if index < len(cells) else ""
        out: dict[str, str] = dict.fromkeys(STAGE_COLUMNS, "")

        def warn(target: str, value: str, message: str) -> None:
            issues.append(Issue(row, self.column_label(target), value, message))

        def text(target: str, field: str | None = None) -> None:
            value = _fold(raw.get(target, ""))
            field = field or target
            limit = MAX_LENGTH.get(field)
            if limit and len(value) > limit:
                warn(
                    target,
                    value,
                    _("Longer than %(limit)s characters; left empty.") % {"limit": limit},
                )
                value = ""
            out[field] = value

        # names: one column split at the first space, or two columns
        if "full_name" in raw:
            last, first = fast.split_name(raw["full_name"])
            out["last_name"], out["first_name"] = last, first
        else:
            text("last_name")
            text("first_name")
        if "full_kana" in raw:
            last, first = fast.split_name(fast.normalize_kana(raw["full_kana"]))
            out["last_name_kana"], out["first_name_kana"] = last, first
        else:
            for target in ("last_name_kana", "first_name_kana"):
                out[target] = fast.normalize_kana(raw.get(target, ""))
        for name_field in ("last_name", "first_name", "last_name_kana", "first_name_kana"):
            if len(out[name_field]) > 100:
                source = name_field
                if "full_name" in raw and "kana" not in name_field:
                    source = "full_name"
                if "kana" in name_field and "full_kana" in raw:
                    source = "full_kana"
                warn(source, out[name_field], _("Longer than 100 characters; left empty."))
                out[name_field] = ""

        plain: tuple[tuple[str, str | None], ...] = (
            ("company", "company_name"),
            ("department", None),
            ("title", None),
            ("source", None),
            ("customer_code", None),
        )
        for target, stored in plain:
            text(target, stored)

        value = raw.get("email", "").strip()
        if value:
            try:
                out["email"] = fast.normalize_email(value)
                out["email_key"] = out["email"].lower()
            except normalize.NormalizationError as exc:
                warn("email", value, str(exc) + " " + _("Left empty."))
            if len(out["email"]) > 254:
                warn("email", value, _("Longer than 254 characters; left empty."))
                out["email"] = out["email_key"] = ""
        for target in ("phone", "mobile"):
            value = raw.get(target, "").strip()
            if value:
                try:
                    out[target] = _phone(value)
                except normalize.NormalizationError as exc:
                    warn(target, value, str(exc) + " " + _("Left empty."))

        value = raw.get("postal_code", "").strip()
        if value:
            try:
                out["postal_code"] = self.normalize_postal_code(value)
            except normalize.NormalizationError as exc:
                warn("postal_code", value, str(exc) + " " + _("Left empty."))
        text("address")
        # Addresses keep their kana; NFKC only folds full-width digits, letters and the
        # full-width hyphen-minus (not ー, which is part of words like センター).
        out["address"] = fast.to_halfwidth(out["address"])
        value = _fold(raw.get("prefecture", ""))
        if value:
            prefecture = normalize.prefecture_name(value)
            if prefecture:
                out["prefecture"] = prefecture
            else:
                warn(
                    "prefecture",
                    value,
                    _("“%(value)s” is not a prefecture; left empty.") % {"value": value},
                )
        if not out["prefecture"] and out["address"]:
            match = _PREFECTURE_PREFIX.match(out["address"])
            if match and match.group(1) in PREFECTURES:
                out["prefecture"] = match.group(1)
                out["address"] = out["address"][match.end() :].lstrip()
        elif out["prefecture"] and out["address"].startswith(out["prefecture"]):
            out["address"] = out["address"][len(out["prefecture"]) :].lstrip()
        if out["postal_code"] and (not out["prefecture"] or not out["address"]):
            found = self.postal(out["postal_code"])
            if found is not None:
                out["prefecture"] = out["prefecture"] or found.prefecture
                if not out["address"]:
                    out["address"] = f"{found.city}{found.town}"

        value = raw.get("birth_date", "").strip()
        if value:
            try:
                day = self.parse_date(value)
            except normalize.NormalizationError as exc:
                warn("birth_date", value, str(exc) + " " + _("Left empty."))
            else:
                if day is not None:
                    if day.year < 1900 or day > self.today:
                        warn(
                            "birth_date",
                            value,
                            _("“%(value)s” is not a plausible birth date; left empty.")
                            % {"value": value},
                        )
                    else:
                        out["birth_date"] = day.isoformat()
        choice_fields: tuple[tuple[str, dict[str, str], tuple[str, ...]], ...] = (
            ("gender", _GENDER_INDEX, GENDER_UNKNOWN),
            ("lifecycle_stage", _STAGE_INDEX, ()),
        )
        for target, aliases, unknown in choice_fields:
            value = raw.get(target, "").strip()
            if value:
                key = unicodedata.normalize("NFKC", value).strip().lower()
                if key in aliases:
                    out[target] = aliases[key]
                elif key not in unknown:
                    choices = (
                        "男性, 女性, その他 / male, female, other"
                        if target == "gender"
                        else "lead, prospect, customer, churned / リード, 商談中, 顧客, 離反"
                    )
                    warn(
                        target,
                        value,
                        _("“%(value)s” is not one of the choices (%(choices)s); left empty.")
                        % {"value": value, "choices": choices},
                    )
        value = raw.get("tags", "").strip()
        if value:
            tags = []
            for tag in re.split(r"[,、;；|\n]", value):
                tag = _fold(tag)
                if not tag or tag in tags:
                    continue
                if len(tag) > 50:
                    warn("tags", tag, _("A tag is longer than 50 characters; it was left out."))
                    continue
                tags.append(tag)
            out["tags"] = json.dumps(tags, ensure_ascii=False) if tags else ""

        custom_values: list[str] = []
        for definition in self.custom:
            target = CF_PREFIX + definition.key
            value = raw.get(target, "")
            stored = ""
            try:
                python = clean_value(definition, value)
            except ValidationError as exc:
                warn(target, value, " ".join(exc.messages) + " " + _("Left empty."))
            else:
                if python is not None:
                    stored = json.dumps(to_json(definition, python), ensure_ascii=False)
            custom_values.append(stored)

        has_name = bool(out["last_name"] or out["first_name"])
        if not (has_name or out["email"] or out["phone"] or out["mobile"]):
            message = _(
                "No name, and no usable e-mail or phone: the row was not imported. Add a name, "
                "an e-mail address or a phone number."
            )
            # The row's own warnings would only repeat why it is unusable: one error says it.
            issues = [Issue(row, "", " / ".join(c for c in cells if c)[:200], message, "error")]
            return RowResult(None, issues, {**out, **_cf_cells(self.custom, custom_values)})
        values = [out[c] for c in STAGE_COLUMNS] + custom_values
        return RowResult(values, issues, {**out, **_cf_cells(self.custom, custom_values)})

    def custom_labels(self) -> list[str]:
        return [label_for(d) for d in self.custom]


def _cf_cells(custom: list[CustomFieldDefinition], values: list[str]) -> dict[str, str]:
    return {CF_PREFIX + d.key: _json_text(v) for d, v in zip(custom, values, strict=True)}


def _json_text(stored: str) -> str:
    if not stored:
        return ""
    value: Any = json.loads(stored)
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    return str(value)


def _today() -> Any:
    from django.utils import timezone

    return timezone.localdate()
