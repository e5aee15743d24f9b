"""Contact search (contacts.search): n-gram index, folding, phones, visibility, isolation."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from contacts import selectors
from contacts.models import Contact
from contacts.search import search_contacts
from contacts.search.query import fold, lexemes, terms
from contacts.services import company_create
from crm.core.context import tenant_context
from crm.core.models import Membership, Tenant
from crm.core.roles import Role
from crm.core.services.customfields import customfield_create
from tests.factories import make_contact, make_member

pytestmark = pytest.mark.django_db


def found(tenant: Tenant, q: str, membership: Membership | None = None) -> set[str]:
    with tenant_context(tenant):
        rows = selectors.contact_list(tenant=tenant, membership=membership, q=q)
        return {c.last_name for c in rows}


def test_a_two_character_family_name_finds_the_full_name(tenant) -> None:
    make_contact(tenant, last_name="佐藤", first_name="花子")
    make_contact(tenant, last_name="伊藤", first_name="佐和")
    assert found(tenant, "佐藤") == {"佐藤"}
    assert found(tenant, "藤花") == set()  # across the name fields' space: not a substring
    assert found(tenant, "佐藤花子") == set()  # stored "佐藤 花子"
    assert found(tenant, "佐藤 花子") == {"佐藤"}


def test_a_hiragana_query_finds_katakana_kana(tenant) -> None:
    make_contact(tenant, last_name="佐藤", first_name="花子", last_name_kana="サトウ")
    make_contact(tenant, last_name="加藤", first_name="誠", last_name_kana="カトウ")
    assert found(tenant, "さと") == {"佐藤"}
    assert found(tenant, "ｻﾄｳ") == {"佐藤"}  # half-width kana too
    assert found(tenant, "トウ") == {"佐藤", "加藤"}


def test_a_one_character_query_finds_a_one_character_name(tenant) -> None:
    make_contact(tenant, last_name="林", first_name="愛")
    make_contact(tenant, last_name="森", first_name="誠")
    assert found(tenant, "愛") == {"林"}


def test_a_phone_number_in_any_format_finds_the_contact(tenant) -> None:
    make_contact(tenant, last_name="田中", phone="03-1234-5678", mobile="090-1111-2222")
    make_contact(tenant, last_name="鈴木", phone="06-9999-0000")
    for q in ("0312345678", "03-1234-5678", "+81 3-1234-5678", "０３（１２３４）５６７８", "5678"):
        assert found(tenant, q) == {"田中"}, q
    assert found(tenant, "09011112222") == {"田中"}
    assert found(tenant, "2222") == {"田中"}


def test_an_email_fragment_finds_the_contact(tenant) -> None:
    make_contact(tenant, last_name="山田", email="Taro.Yamada@Example.co.jp")
    make_contact(tenant, last_name="川口", email="kawaguchi@example.org")
    assert found(tenant, "yamada@") == {"山田"}
    assert found(tenant, "TARO.Y") == {"山田"}
    assert found(tenant, "ｅｘａｍｐｌｅ．ｃｏ") == {"山田"}  # full-width typed


def test_a_text_custom_field_value_is_searchable(tenant) -> None:
    with tenant_context(tenant):
        customfield_create(
            tenant=tenant, object_type="contact", key="memo", field_type="text", label="メモ"
        )
    make_contact(tenant, last_name="小林", custom_fields={"memo": "展示会で名刺交換"})
    make_contact(tenant, last_name="木村")
    assert found(tenant, "名刺") == {"小林"}


def test_the_company_name_is_searchable_and_a_rename_follows(tenant) -> None:
    with tenant_context(tenant):
        company = company_create(tenant=tenant, name="青空商事")
    make_contact(tenant, last_name="中村", company=company.pk)
    assert found(tenant, "青空") == {"中村"}
    from contacts.services import company_update

    with tenant_context(tenant):
        company_update(tenant=tenant, company=company, name="大地物産")
    assert found(tenant, "青空") == set()
    assert found(tenant, "物産") == {"中村"}


def test_an_edit_updates_the_index(tenant) -> None:
    contact = make_contact(tenant, last_name="高橋")
    from contacts.services import contact_update

    with tenant_context(tenant):
        contact_update(tenant=tenant, contact=contact, last_name="渡辺")
    assert found(tenant, "高橋") == set()
    assert found(tenant, "渡辺") == {"渡辺"}


def test_the_index_and_the_query_fold_text_the_same_way(tenant) -> None:
    """The SQL contacts_search_fold and Python's fold are twins."""
    samples = ["ＡＢＣ㈱", "ｻﾄｳ さとう", "Ⅲ①", "MiXeD Case", "ゔぁ", "佐藤"]
    with connection.cursor() as cursor:
        for text in samples:
            cursor.execute("SELECT contacts_search_fold(%s)", [text])
            assert cursor.fetchone()[0] == fold(text), text


def test_every_query_lexeme_is_in_the_indexed_vector(tenant) -> None:
    text = "佐藤 花子 サトウ ハナコ hanako.sato@example.co.jp 0312345678 09011112222 青空商事"
    with connection.cursor() as cursor:
        cursor.execute("SELECT tsvector_to_array(contacts_search_vector(%s))", [text])
        indexed = set(cursor.fetchone()[0])
    for word in ["佐藤", "花", "サトウ", "sato@ex", "12345678", "1111222", "co.jp", "空商事"]:
        assert set(lexemes(fold(word))) <= indexed, word


def test_a_quote_or_backslash_in_the_query_is_harmless(tenant) -> None:
    make_contact(tenant, last_name="O'Brien", email="o.brien@example.com")
    assert found(tenant, "o'br") == {"O'Brien"}
    assert found(tenant, "a\\b '&|!") == set()
    assert terms("   ") == []


def test_it_does_not_find_another_tenants_contact(tenant, other_tenant) -> None:
    make_contact(other_tenant, last_name="佐藤", first_name="次郎")
    make_contact(tenant, last_name="佐藤", first_name="花子")
    assert found(tenant, "佐藤") == {"佐藤"}
    assert found(tenant, "次郎") == set()
    with tenant_context(tenant):
        leaked = search_contacts(tenant=tenant, q="次郎", base_qs=Contact.all_tenants.all()).count()
    assert leaked == 0


def test_it_does_not_find_a_contact_hidden_by_record_visibility(tenant) -> None:
    rep = make_member(tenant, Role.SALES)
    other_rep = make_member(tenant, Role.SALES)
    make_contact(tenant, last_name="佐藤見える", owner=rep.pk)
    make_contact(tenant, last_name="佐藤隠れ", owner=other_rep.pk)
    with tenant_context(tenant):
        Tenant.objects.filter(pk=tenant.pk).update(record_visibility="own_team")
        tenant.refresh_from_db()
        membership = Membership.objects.get(user=rep)
    assert found(tenant, "佐藤", membership) == {"佐藤見える"}
    with tenant_context(tenant):
        owner = Membership.objects.get(role=Role.OWNER)
    assert found(tenant, "佐藤", owner) == {"佐藤見える", "佐藤隠れ"}


def test_a_deleted_contact_is_not_found(tenant) -> None:
    contact = make_contact(tenant, last_name="佐藤")
    from contacts.services import contact_soft_delete

    with tenant_context(tenant):
        contact_soft_delete(tenant=tenant, contact=contact)
    assert found(tenant, "佐藤") == set()


def test_the_api_q_uses_the_same_search(api_client, tenant) -> None:
    make_contact(tenant, last_name="佐藤", first_name="花子", last_name_kana="サトウ")
    make_contact(tenant, last_name="鈴木")
    response = api_client.get("/api/v1/contacts/", {"q": "さと"})
    assert response.status_code == 200
    assert [r["last_name"] for r in response.json()["results"]] == ["佐藤"]


def test_search_results_page_runs_a_constant_number_of_queries(
    member_client, tenant, member, django_assert_num_queries
) -> None:
    url = reverse("contacts:list") + "?q=佐藤"
    make_contact(tenant, last_name="佐藤")
    member_client.get(url)
    with CaptureQueriesContext(connection) as few:
        assert member_client.get(url).status_code == 200
    for i in range(8):
        with tenant_context(tenant):
            company = company_create(tenant=tenant, name=f"佐藤商店{i}")
        make_contact(tenant, last_name="佐藤", company=company.pk, owner=member.pk)
    with django_assert_num_queries(len(few.captured_queries)):
        page = member_client.get(url).content.decode()
    assert page.count('data-testid="contact-row"') == 9


def test_the_list_is_newest_first_with_keyset_pages(member_client, tenant) -> None:
    ids = [make_contact(tenant, last_name="佐藤", first_name=f"{i}号").pk for i in range(3)]
    with tenant_context(tenant):
        rows = list(
            search_contacts(tenant=tenant, q="佐藤", base_qs=Contact.objects.filter(id__lt=ids[2]))
        )
    assert [c.pk for c in rows] == [ids[1], ids[0]]


def test_the_global_search_box_posts_to_the_contact_list(member_client, tenant) -> None:
    make_contact(tenant, last_name="佐藤", first_name="花子")
    page = member_client.get(reverse("contacts:list"), {"q": "佐藤"}).content.decode()
    assert "佐藤" in page and 'name="q"' in page


def test_companies_are_found_by_kana_in_any_spelling(api_client, tenant) -> None:
    with tenant_context(tenant):
        company_create(tenant=tenant, name="青空商事", name_kana="アオゾラショウジ")
        company_create(tenant=tenant, name="大地物産", name_kana="ダイチブッサン")
    for q in ("あおぞら", "ｱｵｿﾞﾗ", "青空", "ショウジ"):
        response = api_client.get("/api/v1/companies/", {"q": q})
        assert [r["name"] for r in response.json()["results"]] == ["青空商事"], q


def test_matches_are_highlighted_and_everything_else_escaped(member_client, tenant) -> None:
    make_contact(
        tenant, last_name="<script>佐藤</script>", first_name="花子", last_name_kana="サトウ"
    )
    page = member_client.get(reverse("contacts:list"), {"q": "さと"}).content.decode()
    assert "<script>佐藤" not in page
    assert "&lt;script&gt;佐藤&lt;/script&gt; 花子" in page
    assert "<mark>サト</mark>ウ" in page
    page = member_client.get(reverse("contacts:list"), {"q": "佐藤"}).content.decode()
    assert "&lt;script&gt;<mark>佐藤</mark>&lt;/script&gt;" in page


def test_the_highlight_filter_follows_the_search_folding() -> None:
    from contacts.templatetags.search_tags import highlight

    assert highlight("ＡＢＣ㈱ <b>", "abc") == "<mark>ＡＢＣ</mark>㈱ &lt;b&gt;"
    assert highlight("㈱青空", "(株") == "<mark>㈱</mark>青空"
    assert highlight("x&y", "") == "x&amp;y"
