"""Contact and company search on stock PostgreSQL (no pg_trgm): docs/search.md.

`search_contacts` narrows a queryset the caller already limited to what the member may see
(`contacts.selectors.visible_contacts`), so search cannot widen visibility: pages, the API
and the global search box all go through `contacts.selectors.contact_list`, which calls it.
"""

from __future__ import annotations

from django.db import connections
from django.db.models import BooleanField, F, Func, Q, QuerySet, TextField, Value

from crm.core.models import Tenant

from ..models import Company, Contact
from .query import Term, fold, highlight_needles, terms

# Under FORCEd row-level security PostgreSQL puts a query's own condition into an index scan
# only if its function is LEAKPROOF, and only a superuser can mark one (crm/pg_provision.py,
# docs/search.md "Why LEAKPROOF is safe here"). Where ts_match_vq is not marked, the GIN
# index cannot help and `@@` would only add work to every scanned row, so the search then
# runs as the same substring checks without it.
_LEAKPROOF_SQL = (
    "SELECT proleakproof FROM pg_proc"
    " WHERE oid = 'pg_catalog.ts_match_vq(tsvector, tsquery)'::regprocedure"
)
_index_usable: dict[tuple[str, str], bool] = {}

# How a search picks its plan (measured, docs/search.md "Common fragments"): the newest
# PROBE_ROWS visible contacts are checked first; when at least PROBE_COMMON of them match,
# the words are common and walking the list newest first fills a page quickly, so no `@@` is
# added (the planner estimates an AND of n-grams as independent, far too rare for fragments
# like 'gmail', and would read every match through the GIN bitmap). Otherwise the GIN
# condition narrows to the few matching rows.
PROBE_ROWS = 2000
PROBE_COMMON = 8


def index_usable(using: str = "default") -> bool:
    """Whether `tsvector @@ tsquery` may use the GIN index under RLS in this database: read
    from pg_proc once per process and database (a change of provisioning takes effect at the
    next start; either answer gives the same results, only the speed differs)."""
    conn = connections[using]
    key = (using, str(conn.settings_dict["NAME"]))
    if key not in _index_usable:
        with conn.cursor() as cursor:
            cursor.execute(_LEAKPROOF_SQL)
            row = cursor.fetchone()
        _index_usable[key] = bool(row and row[0])
    return _index_usable[key]


__all__ = ["fold", "highlight_needles", "index_usable", "search_companies", "search_contacts"]


class _Matches(Func):
    """`search_vector @@ '<tsquery>'::tsquery`. The tsquery text is built from quoted
    lexemes (query._quote), never parsed by a text search configuration, so punctuation
    such as '@' and '.' survives."""

    template = "%(expressions)s"
    arg_joiner = " @@ "
    output_field = BooleanField()


class _TsQuery(Func):
    template = "%(expressions)s::tsquery"
    output_field = TextField()


class _Fold(Func):
    function = "contacts_search_fold"
    output_field = TextField()


def search_contacts(
    *, tenant: Tenant, q: str, base_qs: QuerySet[Contact], use_index: bool | None = None
) -> QuerySet[Contact]:
    """Contacts of `base_qs` whose search text contains every word of `q` (any order),
    newest first. Each word may match folded (NFKC, lower case, katakana), as typed, in
    hiragana or full-width letters, and a phone-looking word also as phone digits
    (0312345678 finds 03-1234-5678).

    The substring checks decide; the n-gram GIN index only narrows, and is used when
    `index_usable()` (or `use_index`, which tests set to compare both paths on the same
    data) and the words are not common among the newest contacts."""
    qs = base_qs.filter(tenant=tenant)
    words = terms(q)
    recheck = Q()
    for term in words:
        any_spelling = Q()
        for variant in term.variants:
            any_spelling |= Q(search_text__contains=variant)
        recheck &= any_spelling
    qs = qs.filter(recheck)
    if use_index is None:
        use_index = index_usable(qs.db)
    indexed = [term for term in words if term.lexeme_sets]
    if use_index and indexed:
        common, counts = _probe(base_qs.filter(tenant=tenant), words)
        if not common:
            for term in indexed:
                tsquery = term.tsquery_for(counts)
                qs = qs.filter(_Matches(F("search_vector"), _TsQuery(Value(tsquery))))
    return qs.order_by("-id")


def _probe(qs: QuerySet[Contact], words: list[Term]) -> tuple[bool, dict[str, int]]:
    """Over the newest PROBE_ROWS contacts of `qs` (one query walking the (tenant, id)
    index, a few milliseconds): whether at least PROBE_COMMON match every word, and in how
    many each n-gram of a long word occurs (so the tsquery can keep the rarest ones)."""
    newest, params = qs.order_by("-id").values("search_text")[:PROBE_ROWS].query.sql_with_params()
    conditions = []
    values: list[str] = []
    for term in words:
        conditions.append(
            "(" + " OR ".join("strpos(w.search_text, %s) > 0" for _ in term.variants) + ")"
        )
        values += term.variants
    grams = list(dict.fromkeys(g for term in words for g in term.grams_to_count()))
    counted = "".join(", count(*) FILTER (WHERE strpos(w.search_text, %s) > 0)" for _ in grams)
    sql = f"SELECT count(*) FILTER (WHERE {' AND '.join(conditions)}){counted} FROM ({newest}) w"
    with connections[qs.db].cursor() as cursor:
        cursor.execute(sql, [*values, *grams, *params])
        row = cursor.fetchone()
    return row[0] >= PROBE_COMMON, dict(zip(grams, row[1:], strict=True))


def search_companies(*, tenant: Tenant, q: str, base_qs: QuerySet[Company]) -> QuerySet[Company]:
    """Companies by any part of their name or kana (folded like contacts), or corporate
    number. Companies are ~1/50 of contacts: a substring scan is fast enough (see
    docs/search.md); the same folding keeps 'ｱｵｿﾞﾗ', 'あおぞら' and 'アオゾラ' equal."""
    qs = base_qs.filter(tenant=tenant).alias(_name=_Fold(F("name")), _kana=_Fold(F("name_kana")))
    for word in q.split():
        folded = fold(word)
        qs = qs.filter(
            Q(_name__contains=folded) | Q(_kana__contains=folded) | Q(corporate_number=word)
        )
    return qs.order_by("-id")
