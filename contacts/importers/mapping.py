"""Which column goes into which field.

Headers are matched after NFKC (full-width letters and digits to ASCII), lower-casing and
dropping spaces and punctuation, so 'Ｅメール', 'E-mail', 'e_mail' and 'ＥＭＡＩＬ' are all one
key; a parenthesised note ('電話番号（自宅）') is tried without the note. Custom fields match
on their Japanese label, English label or key.

A mapping is a list with one target per column: a field name from FIELDS, 'cf:<key>' for a
custom field, or '' for a column not imported.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from crm.core.customfields import label_for
from crm.core.models import CustomFieldDefinition

from .readers import ImportFileError

CF_PREFIX = "cf:"


@dataclass(frozen=True)
class Target:
    name: str
    label: str | Promise
    aliases: tuple[str, ...]


TARGETS: tuple[Target, ...] = (
    Target(
        "full_name",
        gettext_lazy("Full name (姓 名, split at the space)"),
        (
            "氏名",
            "名前",
            "お名前",
            "氏名漢字",
            "顧客名",
            "担当者名",
            "担当者",
            "お客様名",
            "name",
            "fullname",
            "contactname",
            "customername",
        ),
    ),
    Target(
        "last_name",
        gettext_lazy("Last name (姓)"),
        ("姓", "氏", "苗字", "名字", "lastname", "familyname", "surname"),
    ),
    Target(
        "first_name",
        gettext_lazy("First name (名)"),
        ("名", "下の名前", "firstname", "givenname", "forename"),
    ),
    Target(
        "full_kana",
        gettext_lazy("Full name in kana (セイ メイ, split at the space)"),
        (
            "フリガナ",
            "ふりがな",
            "氏名フリガナ",
            "氏名カナ",
            "氏名ふりがな",
            "カナ",
            "カナ氏名",
            "よみがな",
            "ヨミガナ",
            "読み",
            "よみ",
            "フリガナ氏名",
            "furigana",
            "kana",
            "namekana",
            "fullnamekana",
        ),
    ),
    Target(
        "last_name_kana",
        gettext_lazy("Last name in kana (セイ)"),
        (
            "セイ",
            "せい",
            "姓フリガナ",
            "姓カナ",
            "姓ふりがな",
            "フリガナ姓",
            "lastnamekana",
            "familynamekana",
        ),
    ),
    Target(
        "first_name_kana",
        gettext_lazy("First name in kana (メイ)"),
        (
            "メイ",
            "めい",
            "名フリガナ",
            "名カナ",
            "名ふりがな",
            "フリガナ名",
            "firstnamekana",
            "givennamekana",
        ),
    ),
    Target(
        "company",
        gettext_lazy("Company"),
        (
            "会社名",
            "会社",
            "企業名",
            "法人名",
            "勤務先",
            "所属会社",
            "社名",
            "取引先名",
            "取引先",
            "company",
            "companyname",
            "organization",
            "organisation",
            "account",
            "accountname",
        ),
    ),
    Target(
        "department",
        gettext_lazy("Department"),
        ("部署", "部署名", "所属", "部門", "所属部署", "department", "dept", "division"),
    ),
    Target(
        "title",
        gettext_lazy("Job title"),
        ("役職", "役職名", "肩書", "肩書き", "title", "jobtitle", "position"),
    ),
    Target(
        "email",
        gettext_lazy("E-mail"),
        (
            "メールアドレス",
            "メール",
            "eメール",
            "eメールアドレス",
            "email",
            "emailaddress",
            "mail",
            "mailaddress",
            "メアド",
            "電子メール",
            "pcメール",
            "pcメールアドレス",
            "メールアドレス1",
        ),
    ),
    Target(
        "phone",
        gettext_lazy("Phone"),
        (
            "電話番号",
            "電話",
            "tel",
            "telno",
            "固定電話",
            "会社電話",
            "代表電話",
            "電話番号1",
            "自宅電話",
            "phone",
            "phonenumber",
            "telephone",
            "telephonenumber",
            "tel番号",
        ),
    ),
    Target(
        "mobile",
        gettext_lazy("Mobile"),
        (
            "携帯電話",
            "携帯",
            "携帯番号",
            "携帯電話番号",
            "携帯tel",
            "ケータイ",
            "mobile",
            "mobilephone",
            "mobilenumber",
            "cell",
            "cellphone",
            "cellular",
        ),
    ),
    Target(
        "postal_code",
        gettext_lazy("Postal code"),
        ("郵便番号", "〒", "郵便", "〒番号", "zip", "zipcode", "postalcode", "postcode"),
    ),
    Target(
        "prefecture",
        gettext_lazy("Prefecture"),
        ("都道府県", "県", "都道府県名", "prefecture", "state", "province"),
    ),
    Target(
        "address",
        gettext_lazy("Address"),
        (
            "住所",
            "所在地",
            "住所1",
            "番地",
            "市区町村番地",
            "住所市区町村以下",
            "address",
            "street",
            "streetaddress",
            "address1",
        ),
    ),
    Target(
        "birth_date",
        gettext_lazy("Birth date"),
        ("生年月日", "誕生日", "birthday", "birthdate", "dateofbirth", "dob"),
    ),
    Target("gender", gettext_lazy("Gender"), ("性別", "gender", "sex")),
    Target(
        "lifecycle_stage",
        gettext_lazy("Lifecycle stage"),
        (
            "ステージ",
            "ライフサイクル",
            "ライフサイクルステージ",
            "顧客ステータス",
            "lifecyclestage",
            "stage",
        ),
    ),
    Target(
        "source",
        gettext_lazy("Source"),
        ("流入元", "獲得経路", "初回接点", "流入経路", "きっかけ", "source", "leadsource"),
    ),
    Target(
        "customer_code",
        gettext_lazy("Customer code"),
        (
            "顧客コード",
            "顧客番号",
            "顧客id",
            "会員番号",
            "会員id",
            "お客様番号",
            "得意先コード",
            "customercode",
            "customerid",
            "customerno",
            "customernumber",
            "clientcode",
            "clientid",
        ),
    ),
    Target("tags", gettext_lazy("Tags (comma separated)"), ("タグ", "tags", "tag")),
)
TARGETS_BY_NAME = {t.name: t for t in TARGETS}

_DROP = re.compile(r"[\s_\-‐‑‒–—―−－・.:：/／#＃*＊\"'“”「」]")
_NOTE = re.compile(r"[(（\[【<＜].*?[)）\]】>＞]")


def header_key(text: str) -> str:
    # ー is left alone: it is part of words like メール and ケータイ.
    return _DROP.sub("", unicodedata.normalize("NFKC", text).strip().lower())


def _variants(text: str) -> list[str]:
    key = header_key(text)
    without_note = header_key(_NOTE.sub("", unicodedata.normalize("NFKC", text)))
    return [k for k in dict.fromkeys([key, without_note]) if k]


def _alias_index(definitions: Iterable[CustomFieldDefinition]) -> dict[str, str]:
    index: dict[str, str] = {}
    for target in TARGETS:
        for alias in target.aliases:
            index.setdefault(header_key(alias), target.name)
    # Custom fields win over built-in aliases only when the label is the tenant's own word
    # for it (an admin who names a field '部署' wants that field).
    for definition in definitions:
        for text in (definition.label, definition.label_en, definition.key):
            if text:
                index[header_key(text)] = CF_PREFIX + definition.key
    return index


def auto_mapping(header: list[str], definitions: Iterable[CustomFieldDefinition]) -> list[str]:
    index = _alias_index(definitions)
    mapping: list[str] = []
    for cell in header:
        found = ""
        for key in _variants(cell):
            if key in index:
                found = index[key]
                break
        mapping.append(found)
    return mapping


def target_choices(definitions: Iterable[CustomFieldDefinition]) -> list[tuple[str, str]]:
    """(value, label) for the mapping page's selects."""
    choices = [("", _("— Do not import —"))]
    choices += [(t.name, str(t.label)) for t in TARGETS]
    choices += [(CF_PREFIX + d.key, label_for(d)) for d in definitions]
    return choices


def target_label(target: str, definitions: Mapping[str, CustomFieldDefinition]) -> str:
    if target.startswith(CF_PREFIX):
        definition = definitions.get(target.removeprefix(CF_PREFIX))
        return label_for(definition) if definition else target
    t = TARGETS_BY_NAME.get(target)
    return str(t.label) if t else target


IDENTITY = {"full_name", "last_name", "first_name", "email", "phone", "mobile"}
# Fields that fill the same stored column: mapping both is as ambiguous as mapping one twice.
OVERLAPS = (
    ({"full_name"}, {"last_name", "first_name"}),
    ({"full_kana"}, {"last_name_kana", "first_name_kana"}),
)


def validate_mapping(
    header: list[str], mapping: list[str], definitions: Iterable[CustomFieldDefinition]
) -> list[str]:
    """Normalized mapping, or ImportFileError naming the columns to fix."""
    by_key = {d.key: d for d in definitions}
    if len(mapping) != len(header):
        raise ImportFileError(
            _("The mapping has %(got)s entries but the file has %(want)s columns.")
            % {"got": len(mapping), "want": len(header)}
        )
    valid = set(TARGETS_BY_NAME) | {CF_PREFIX + key for key in by_key}
    seen: dict[str, int] = {}
    for position, target in enumerate(mapping):
        if not target:
            continue
        if target not in valid:
            raise ImportFileError(
                _("Column %(col)s (“%(header)s”) is mapped to “%(target)s”, which is not a field.")
                % {"col": position + 1, "header": header[position], "target": target}
            )
        if target in seen:
            first = seen[target]
            raise ImportFileError(
                _(
                    "Columns %(a)s (“%(ha)s”) and %(b)s (“%(hb)s”) are both mapped to "
                    "“%(field)s”. Map one of them to another field or to “Do not import”."
                )
                % {
                    "a": first + 1,
                    "ha": header[first],
                    "b": position + 1,
                    "hb": header[position],
                    "field": target_label(target, by_key),
                }
            )
        seen[target] = position
    for whole, parts in OVERLAPS:
        (whole_name,) = whole
        clash = sorted(parts & set(seen))
        if whole_name in seen and clash:
            raise ImportFileError(
                _(
                    "Column %(a)s (“%(ha)s”) fills the same field as column %(b)s (“%(hb)s”). "
                    "Map only one of them."
                )
                % {
                    "a": seen[whole_name] + 1,
                    "ha": header[seen[whole_name]],
                    "b": seen[clash[0]] + 1,
                    "hb": header[seen[clash[0]]],
                }
            )
    if not seen:
        shown = "、".join(f"“{h}”" for h in header[:8] if h) or _("(empty)")
        raise ImportFileError(
            _(
                "No column of the first row was recognized (%(headers)s). The first row must "
                "name the columns, e.g. 氏名, メールアドレス, 電話番号 or Name, E-mail, Phone."
            )
            % {"headers": shown}
        )
    if not IDENTITY & set(seen):
        raise ImportFileError(
            _(
                "Map at least one column to a name, e-mail or phone: a row without any of "
                "them cannot be imported."
            )
        )
    return list(mapping)
