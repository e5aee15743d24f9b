"""Contact and company search on stock PostgreSQL (no pg_trgm): docs/search.md.

`search_contacts` narrows a queryset the caller already limited to what the member may see
(`contacts.selectors.visible_contacts`), so search cannot widen visibility: pages, the API
and the global search box all go through `contacts.selectors.contact_list`, which calls it.
"""

from __future__ import annotations

from django.db.models import BooleanField, F, Func, Q, QuerySet, TextField, Value

from crm.core.models import Tenant

from ..models import Company, Contact
from .query import fold, highlight_needles, terms

# FALSE for now, measured (docs/search.md, "Why the index is switched off"): contacts_contact
# has FORCEd row-level security, and PostgreSQL uses an index for a condition under RLS only
# when its operator is LEAKPROOF. tsvector @@ tsquery (ts_match_vq) is not, and only a
# superuser can mark it, so the GIN index is never used: the @@ condition and the folded
# recheck then run on every scanned row and made searches slower than a plain LIKE. The
# vector stays maintained by its trigger so turning this on is a one-line change once the
# platform decides how (see docs/search.md).
INDEX_USABLE_UNDER_RLS = False

__all__ = ["fold", "highlight_needles", "search_companies", "search_contacts"]


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


def search_contacts(*, tenant: Tenant, q: str, base_qs: QuerySet[Contact]) -> QuerySet[Contact]:
    """Contacts of `base_qs` whose search text contains every word of `q` (any order),
    newest first. Each word may match as typed or folded (NFKC, lower case, hiragana as
    katakana), and a phone-looking word also as phone digits (0312345678 finds
    03-1234-5678). The n-gram index narrows; `LIKE` then removes n-gram false positives."""
    qs = base_qs.filter(tenant=tenant)
    if INDEX_USABLE_UNDER_RLS:
        # The folded text is computed only for rows whose raw text failed the cheaper LIKE
        # (OR is evaluated left to right): names stored with full-width letters or hiragana.
        qs = qs.alias(_search_folded=_Fold(F("search_text")))
    for term in terms(q):
        if INDEX_USABLE_UNDER_RLS and term.tsquery:
            qs = qs.filter(_Matches(F("search_vector"), _TsQuery(Value(term.tsquery))))
        recheck = Q()
        for variant in term.variants:
            recheck |= Q(search_text__contains=variant)
            if INDEX_USABLE_UNDER_RLS:
                recheck |= Q(_search_folded__contains=variant)
        qs = qs.filter(recheck)
    return qs.order_by("-id")


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
