"""The contact search's n-gram GIN index under row-level security (docs/search.md).

The index is used only where `ts_match_vq` is LEAKPROOF (crm/pg_provision.py marks it in
template1, which the test database is copied from); both plans must give the same answers,
and RLS must keep isolating tenants when the index does the narrowing."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.db import connection

from contacts import selectors
from contacts.models import Contact
from contacts.search import PROBE_COMMON, PROBE_ROWS, index_usable, search_contacts
from contacts.search.query import terms
from crm.core.context import tenant_context
from crm.core.models import Tenant
from crm.pg_provision import LEAKPROOF_FUNCTIONS
from tests.factories import make_contact

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]


def ids(tenant: Tenant, q: str, *, use_index: bool) -> list[int]:
    with tenant_context(tenant):
        qs = search_contacts(
            tenant=tenant,
            q=q,
            base_qs=selectors.visible_contacts(tenant, None),
            use_index=use_index,
        )
        return list(qs.values_list("id", flat=True))


def add_filler(tenant: Tenant, count: int, text: str = "filler") -> None:
    """`count` copies of one contact with search_text '<text> <n>', in one INSERT … SELECT
    (the trigger builds their vectors as it does for an import), then what autovacuum would
    do after such a load."""
    template = make_contact(tenant, last_name="Filler", first_name="")
    columns = [
        f.column for f in Contact._meta.concrete_fields if f.column not in ("id", "search_vector")
    ]
    values = [
        "%s::text || ' ' || n::text" if column == "search_text" else f"c.{column}"
        for column in columns
    ]
    with tenant_context(tenant), connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO contacts_contact ({', '.join(columns)})"
            f" SELECT {', '.join(values)} FROM contacts_contact c, generate_series(1, %s) n"
            " WHERE c.id = %s",
            [text, count, template.pk],
        )
        # What autovacuum does after a load: move the GIN pending list into the index (the
        # planner prices a long pending list high) and refresh the statistics.
        cursor.execute("SELECT gin_clean_pending_list('contact_search_vector_gin')")
        cursor.execute("ANALYZE contacts_contact")


def test_the_test_database_is_provisioned_and_the_app_role_is_bound_by_rls() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user")
        assert cursor.fetchone() == (False, False)
        cursor.execute(
            "SELECT relrowsecurity, relforcerowsecurity FROM pg_class"
            " WHERE oid = 'contacts_contact'::regclass"
        )
        assert cursor.fetchone() == (True, True)
    assert index_usable() is True


def test_the_production_provisioning_script_marks_the_same_functions() -> None:
    script = (ROOT / "docker" / "postgres-provision.sql").read_text()
    marked = re.findall(r"^ALTER FUNCTION (.+) LEAKPROOF;$", script, flags=re.M)
    # once in template1, once in the app's database
    assert marked == [f for f in LEAKPROOF_FUNCTIONS for _db in ("template1", "crm")]
    compose = (ROOT / "docker-compose.yml").read_text()
    assert "./docker/postgres-provision.sql:/docker-entrypoint-initdb.d/" in compose


def test_a_search_uses_the_gin_index_under_rls_as_the_app_role(tenant, other_tenant) -> None:
    add_filler(tenant, 3000)
    mine = make_contact(tenant, last_name="勅使河原", first_name="愛")
    make_contact(other_tenant, last_name="勅使河原", first_name="次郎")
    with tenant_context(tenant):
        qs = search_contacts(tenant=tenant, q="勅使", base_qs=Contact.objects.all())
        plan = qs.explain()
        assert list(qs.values_list("id", flat=True)) == [mine.pk]
    assert "contact_search_vector_gin" in plan, plan
    assert "app.tenant_id" in plan, plan  # the RLS policy is part of the same plan


def test_rls_alone_hides_other_tenants_rows_found_through_the_index(tenant, other_tenant) -> None:
    """No tenant condition of our own: the policy is all that stands between the GIN index's
    candidates (of every tenant) and the result."""
    add_filler(tenant, 3000)
    make_contact(tenant, last_name="勅使河原", first_name="愛")
    make_contact(other_tenant, last_name="勅使河原", first_name="次郎")
    sql = "SELECT first_name FROM contacts_contact WHERE search_vector @@ '勅使'::tsquery"
    with tenant_context(tenant), connection.cursor() as cursor:
        cursor.execute("EXPLAIN " + sql)
        plan = "\n".join(row[0] for row in cursor.fetchall())
        cursor.execute(sql)
        assert [row[0] for row in cursor.fetchall()] == ["愛"]
    assert "contact_search_vector_gin" in plan, plan
    with tenant_context(other_tenant), connection.cursor() as cursor:
        cursor.execute(sql)
        assert [row[0] for row in cursor.fetchall()] == ["次郎"]


def test_both_paths_find_the_same_contacts(tenant, other_tenant) -> None:
    samples = [
        dict(
            last_name="佐藤", first_name="花子", last_name_kana="サトウ", email="hanako@gmail.com"
        ),
        dict(last_name="佐藤", first_name="さくら", phone="03-1234-5678", mobile="090-1111-2222"),
        dict(last_name="伊藤", first_name="佐和", email="Sawa.Ito@Example.co.jp"),
        dict(last_name="ＡＢＣ", first_name="林", customer_code="CU0001"),
        dict(last_name="O'Brien", email="o.brien@example.com", phone="06-9999-0000"),
        dict(last_name="長谷川", first_name="由美", last_name_kana="ハセガワ"),
    ]
    for data in samples:
        make_contact(tenant, **data)
        make_contact(other_tenant, **data)
    queries = [
        "佐藤", "さと", "ｻﾄｳ", "サクラ", "さくら", "林", "abc", "ＡＢＣ", "gmail", "sawa.ito@",
        "0312345678", "+81 3-1234-5678", "2222", "5678", "cu0001", "o'br", "a", "3", "佐藤 花子",
        "長谷川 由美", "ハセ", "存在", "a\\b '&|!",
    ]  # fmt: skip
    for q in queries:
        scan = ids(tenant, q, use_index=False)
        assert ids(tenant, q, use_index=True) == scan, q
    assert len(ids(tenant, "佐藤", use_index=True)) == 2
    assert ids(tenant, "存在", use_index=True) == []


def test_a_katakana_query_finds_a_name_stored_in_hiragana(tenant) -> None:
    make_contact(tenant, last_name="佐藤", first_name="さくら")
    make_contact(tenant, last_name="鈴木", first_name="桜")
    for use_index in (True, False):
        assert len(ids(tenant, "サクラ", use_index=use_index)) == 1


def test_a_half_width_query_finds_letters_stored_in_full_width(tenant) -> None:
    make_contact(tenant, last_name="ＡＢＣ", first_name="太郎")
    make_contact(tenant, last_name="DEF", first_name="次郎")
    for use_index in (True, False):
        assert len(ids(tenant, "abc", use_index=use_index)) == 1


def test_common_words_walk_the_list_and_rare_words_use_the_index(tenant) -> None:
    for i in range(PROBE_COMMON):
        make_contact(tenant, last_name="佐藤", first_name=f"{i}号")
    make_contact(tenant, last_name="勅使河原")
    with tenant_context(tenant):
        base = selectors.visible_contacts(tenant, None)
        common = search_contacts(tenant=tenant, q="佐藤", base_qs=base)
        rare = search_contacts(tenant=tenant, q="勅使", base_qs=base)
        assert "@@" not in str(common.query)
        assert "@@" in str(rare.query)
        assert common.count() == PROBE_COMMON


def test_only_the_newest_contacts_decide_whether_a_word_is_common(tenant) -> None:
    for i in range(PROBE_COMMON):
        make_contact(tenant, last_name="佐藤", first_name=f"{i}号")
    add_filler(tenant, PROBE_ROWS)
    with tenant_context(tenant):
        qs = search_contacts(
            tenant=tenant, q="佐藤", base_qs=selectors.visible_contacts(tenant, None)
        )
        assert "@@" in str(qs.query)
        assert qs.count() == PROBE_COMMON


def test_the_probe_sees_only_the_active_tenant(tenant, other_tenant) -> None:
    for i in range(PROBE_COMMON):
        make_contact(other_tenant, last_name="佐藤", first_name=f"{i}号")
    make_contact(tenant, last_name="佐藤")
    with tenant_context(tenant):
        qs = search_contacts(tenant=tenant, q="佐藤", base_qs=Contact.all_tenants.all())
        assert "@@" in str(qs.query)
        assert qs.count() == 1


def test_a_word_the_index_cannot_narrow_is_checked_by_substring_only() -> None:
    assert [t.tsquery for t in terms("a 3")] == ["", ""]
    assert terms("サクラ")[0].variants == ("サクラ", "さくら")


def test_a_long_word_keeps_its_rarest_grams_for_the_index() -> None:
    (term,) = terms("hanako.fuj")
    assert term.lexeme_sets == (("ha", "na", "ko", ".f", "uj"),)
    counts = {"ha": 229, "na": 400, "ko": 552, ".f": 133, "uj": 96}
    assert term.tsquery_for(counts) == "('ha' & '.f' & 'uj')"
    assert term.tsquery_for({}) == term.tsquery  # no counts: the default grams


def test_a_rare_long_word_is_found_with_its_picked_grams(tenant) -> None:
    make_contact(tenant, last_name="鈴木", email="takuya.suzuki375@yahoo.co.jp")
    make_contact(tenant, last_name="鈴木", email="takuya.suzuki@yahoo.co.jp")
    with tenant_context(tenant):
        qs = search_contacts(
            tenant=tenant, q="suzuki375@yahoo", base_qs=selectors.visible_contacts(tenant, None)
        )
        assert "@@" in str(qs.query)
        assert [c.email for c in qs] == ["takuya.suzuki375@yahoo.co.jp"]
