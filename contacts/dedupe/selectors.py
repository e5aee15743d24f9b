"""Finding likely duplicate contacts: one set-based query per page, inside one tenant, over
the live contacts the member may see (contacts.selectors.visible_contacts).

A pair (a, b) always has a < b and is listed once, with every reason that matched:
  email  same email_key (the lower-cased address)
  phone  a phone or mobile number of one equals a phone or mobile number of the other (E.164)
  name   same name key (last + first name, spaces removed, lower-cased), same company or
         both without one
  kana   same reading (セイ + メイ, both given), same company or both without one
Pairs marked "not a duplicate" are left out. Newest pairs first: ordered by (b, a)
descending, keyset-paginated with the cursor "<b>_<a>". Each branch joins on a column with
an index (contact_tenant_email_key, contact_tenant_phone, and contact_dedupe_* from
migration 0006), and the page's cursor is pushed into every branch.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models.expressions import RawSQL
from django.utils.translation import gettext_lazy as _

from crm.core.models import Membership, Tenant

from ..models import Contact
from ..selectors import visible_contacts
from .models import DuplicateDismissal

# Spelled exactly as in migration 0006's expression indexes.
NAME_KEY = "lower(replace(last_name || first_name, ' ', ''))"
KANA_KEY = "replace(last_name_kana || first_name_kana, ' ', '')"

REASONS = {
    "email": _("Same e-mail"),
    "phone": _("Same phone number"),
    "name": _("Same name and company"),
    "kana": _("Same reading (kana) and company"),
}
POINTS = {"email": 60, "phone": 40, "name": 30, "kana": 20}
PAGE_SIZE = 50


@dataclass
class DuplicatePair:
    a_id: int
    b_id: int
    reasons: list[str]
    score: int
    a: Contact | None = None
    b: Contact | None = None
    reason_labels: list[str] = field(default_factory=list)

    @property
    def both(self) -> list[Contact | None]:
        return [self.a, self.b]

    @property
    def cursor(self) -> str:
        return f"{self.b_id}_{self.a_id}"


def parse_cursor(value: str) -> tuple[int, int] | None:
    """'<b>_<a>' -> (b, a); None for anything else (the first page)."""
    b, _sep, a = (value or "").partition("_")
    if b.isdigit() and a.isdigit():
        return int(b), int(a)
    return None


def _branches(reasons: Iterable[str]) -> list[str]:
    """One SELECT per way two contacts can match; b is always the newer one."""
    same_company = (
        "((b.company_id = a.company_id) OR (a.company_id IS NULL AND b.company_id IS NULL))"
    )
    sql = {
        "email": [
            "SELECT a.id, b.id, 'email' FROM v a JOIN v b ON b.email_key = a.email_key"
            " WHERE a.email_key <> '' AND a.id < b.id"
        ],
        "phone": [
            f"SELECT a.id, b.id, 'phone' FROM v a JOIN v b ON b.{x} = a.{y}"
            f" WHERE a.{y} <> '' AND a.id < b.id"
            for x, y in (("phone", "phone"), ("mobile", "mobile"), ("phone", "mobile"))
        ]
        + [
            "SELECT a.id, b.id, 'phone' FROM v b JOIN v a ON a.phone = b.mobile"
            " WHERE b.mobile <> '' AND a.id < b.id"
        ],
        "name": [
            "SELECT a.id, b.id, 'name' FROM v a JOIN v b ON b.name_key = a.name_key"
            f" WHERE a.name_ok AND b.name_ok AND a.id < b.id AND {same_company}"
        ],
        "kana": [
            "SELECT a.id, b.id, 'kana' FROM v a JOIN v b ON b.kana_key = a.kana_key"
            f" WHERE a.kana_ok AND b.kana_ok AND a.id < b.id AND {same_company}"
        ],
    }
    return [branch for reason in REASONS if reason in reasons for branch in sql[reason]]


def _pairs_query(
    *, tenant: Tenant, membership: Membership | None, before: str, reason: str, limit: int
) -> tuple[str, list[Any]]:
    visible = visible_contacts(tenant, membership).values(
        "id",
        "email_key",
        "phone",
        "mobile",
        "company_id",
        name_key=RawSQL(NAME_KEY, ()),  # noqa: S611 - constant SQL, no input
        kana_key=RawSQL(KANA_KEY, ()),  # noqa: S611 - constant SQL, no input
        # A bare family name (佐藤) says too little: a first name, or four characters.
        name_ok=RawSQL(  # noqa: S611 - constant SQL, no input
            f"(last_name <> '' AND first_name <> '') OR char_length({NAME_KEY}) >= 4", ()
        ),
        kana_ok=RawSQL(  # noqa: S611 - constant SQL
            "last_name_kana <> '' AND first_name_kana <> ''", ()
        ),
    )
    visible_sql, visible_params = visible.query.sql_with_params()
    branches = _branches([reason] if reason in REASONS else REASONS)
    cursor = parse_cursor(before)
    keyset = ""
    keyset_params: list[Any] = []
    if cursor is not None:
        # In every branch, so each join stops at the page instead of matching everything.
        keyset = " AND (b.id, a.id) < (%s, %s)"
        branches = [branch + keyset for branch in branches]
        keyset_params = list(cursor)
    union = "\n UNION ALL ".join(branches)
    query = f"""
        WITH v AS NOT MATERIALIZED ({visible_sql}),
        m (a, b, reason) AS ({union})
        SELECT m.a, m.b, array_agg(DISTINCT m.reason)
        FROM m
        WHERE NOT EXISTS (
            SELECT 1 FROM {DuplicateDismissal._meta.db_table} d
            WHERE d.tenant_id = %s AND d.contact_a_id = m.a AND d.contact_b_id = m.b
        )
        GROUP BY m.a, m.b
        ORDER BY m.b DESC, m.a DESC
        LIMIT %s
    """
    params = [*visible_params, *(keyset_params * len(branches)), tenant.pk, limit + 1]
    return query, params


def duplicate_pairs(
    *,
    tenant: Tenant,
    membership: Membership | None,
    before: str = "",
    reason: str = "",
    limit: int = PAGE_SIZE,
    with_contacts: bool = True,
) -> tuple[list[DuplicatePair], str | None]:
    """One page of likely duplicate pairs and the cursor of the next page (None at the end).
    Two queries whatever the page size: the pairs, then the contacts they name."""
    try:
        query, params = _pairs_query(
            tenant=tenant, membership=membership, before=before, reason=reason, limit=limit
        )
    except EmptyResultSet:  # the member may see no contact at all
        return [], None
    with connection.cursor() as db:
        db.execute(query, params)
        rows = db.fetchall()
    pairs = []
    for a_id, b_id, reasons in rows[:limit]:
        ordered = [r for r in REASONS if r in reasons]
        pairs.append(
            DuplicatePair(
                a_id=a_id,
                b_id=b_id,
                reasons=ordered,
                score=min(100, sum(POINTS[r] for r in ordered)),
                reason_labels=[str(REASONS[r]) for r in ordered],
            )
        )
    next_before = pairs[-1].cursor if len(rows) > limit and pairs else None
    if with_contacts and pairs:
        ids = {p.a_id for p in pairs} | {p.b_id for p in pairs}
        contacts = Contact.objects.filter(tenant=tenant, id__in=ids).select_related(
            "company", "owner"
        )
        by_id = {c.pk: c for c in contacts}
        for pair in pairs:
            pair.a, pair.b = by_id.get(pair.a_id), by_id.get(pair.b_id)
    return pairs, next_before


def explain_pairs(*, tenant: Tenant, membership: Membership | None) -> dict[str, str]:
    """The query plan per reason (tests check each join has an index)."""
    plans = {}
    with connection.cursor() as db:
        for reason in REASONS:
            query, params = _pairs_query(
                tenant=tenant, membership=membership, before="", reason=reason, limit=PAGE_SIZE
            )
            db.execute("EXPLAIN " + query, params)
            plans[reason] = "\n".join(row[0] for row in db.fetchall())
    return plans


def pair_reasons(*, tenant: Tenant, a: Contact, b: Contact) -> list[str]:
    """Why these two look alike (for the merge page), computed in Python on two rows."""
    from crm.core import normalize

    def name_key(c: Contact) -> str:
        return (c.last_name + c.first_name).replace(" ", "").lower()

    def kana_key(c: Contact) -> str:
        if not (c.last_name_kana and c.first_name_kana):
            return ""
        return (c.last_name_kana + c.first_name_kana).replace(" ", "")

    reasons = []
    if a.email and normalize.email_match_key(a.email) == normalize.email_match_key(b.email):
        reasons.append("email")
    if ({a.phone, a.mobile} - {""}) & ({b.phone, b.mobile} - {""}):
        reasons.append("phone")
    same_company = a.company_id == b.company_id
    if same_company and name_key(a) and name_key(a) == name_key(b):
        reasons.append("name")
    if same_company and kana_key(a) and kana_key(a) == kana_key(b):
        reasons.append("kana")
    return reasons
