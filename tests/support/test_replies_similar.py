"""Similar inquiries: Japanese-aware tokens, the index kept by ticket hooks, the set-based
rebuild command, the ranking, the panel and the API."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.urls import reverse

from crm.core.context import tenant_context
from support.replies import selectors
from support.replies.models import SimilarTokenStat, TicketTokens
from support.replies.panels import similar_context
from support.replies.tokens import tokenize
from support.tickets import services as ticket_services
from support.tickets.models import MessageKind, Status, Ticket

from .helpers import make_message, make_ticket

pytestmark = pytest.mark.django_db


def _resolved(tenant, subject, body, answer):
    ticket = make_ticket(tenant, subject=subject, body=body)
    make_message(tenant, ticket, kind=MessageKind.REPLY, body=answer)
    with tenant_context(tenant):
        return ticket_services.ticket_update(tenant=tenant, ticket=ticket, status=Status.RESOLVED)


def _past(tenant):
    henpin = _resolved(
        tenant,
        "商品の返品について",
        "先日購入した商品を返品したいのですが、手続きを教えてください。",
        "返品は到着後7日以内に返品フォームからお申し込みください。",
    )
    seikyu = _resolved(
        tenant,
        "請求書の再発行について",
        "先月分の請求書を再発行してください。",
        "請求書を再発行してお送りしました。",
    )
    return henpin, seikyu


def test_tokens_are_cjk_bigrams_and_latin_words():
    tokens = tokenize("返品したい", "ＡＢＣ－１２３ Order the item")
    assert "返品" in tokens and "品し" in tokens
    assert "した" not in tokens  # hiragana-only bigrams are grammar
    assert "abc-123" in tokens and "order" in tokens and "the" not in tokens


def test_a_return_inquiry_finds_the_past_return_inquiry_not_the_invoice_one(tenant):
    henpin, seikyu = _past(tenant)
    current = make_ticket(
        tenant, subject="返品したい", body="届いた商品のサイズが合わないので返品できますか"
    )
    with tenant_context(tenant):
        found = selectors.similar_tickets(tenant=tenant, ticket=current)
    assert [s.ticket.pk for s in found][:1] == [henpin.pk]
    assert seikyu.pk not in [s.ticket.pk for s in found]
    assert "返品フォーム" in found[0].answer


def test_an_invoice_inquiry_finds_the_invoice_one_first(tenant):
    henpin, seikyu = _past(tenant)
    current = make_ticket(
        tenant, subject="請求書が届きません", body="今月の請求書をもう一度送ってください"
    )
    with tenant_context(tenant):
        found = selectors.similar_tickets(tenant=tenant, ticket=current)
    assert found[0].ticket.pk == seikyu.pk


def test_open_tickets_are_not_offered_and_a_reopened_one_leaves(tenant):
    henpin, _seikyu = _past(tenant)
    make_ticket(tenant, subject="返品の相談", body="返品したい商品があります")  # still open
    current = make_ticket(tenant, subject="返品", body="返品をお願いします")
    with tenant_context(tenant):
        ids = [s.ticket.pk for s in selectors.similar_tickets(tenant=tenant, ticket=current)]
        assert ids == [henpin.pk]
        ticket_services.ticket_update(tenant=tenant, ticket=henpin, status=Status.OPEN)
        assert selectors.similar_tickets(tenant=tenant, ticket=current) == []
        assert not TicketTokens.objects.get(ticket=henpin).is_done
        docs = SimilarTokenStat.objects.get(token="")
        assert docs.df == 1


def test_the_stats_count_done_tickets_per_token(tenant):
    _past(tenant)
    with tenant_context(tenant):
        stats = dict(SimilarTokenStat.objects.values_list("token", "df"))
    assert stats[""] == 2
    assert stats["返品"] == 1
    assert stats["請求"] == 1
    assert stats["先月"] == 1


def test_the_rebuild_command_restores_the_same_index(tenant):
    _past(tenant)
    with tenant_context(tenant):
        before_stats = sorted(SimilarTokenStat.objects.filter(df__gt=0).values_list("token", "df"))
        before_rows = sorted(TicketTokens.objects.values_list("ticket_id", "is_done"))
        SimilarTokenStat.objects.all().delete()
        TicketTokens.objects.all().delete()
    call_command("support_similar_rebuild", "--tenant", tenant.slug)
    with tenant_context(tenant):
        assert sorted(SimilarTokenStat.objects.values_list("token", "df")) == before_stats
        assert sorted(TicketTokens.objects.values_list("ticket_id", "is_done")) == before_rows


def test_rebuild_indexes_tickets_loaded_without_hooks(tenant):
    henpin, _ = _past(tenant)
    with tenant_context(tenant):
        Ticket.objects.filter(pk=henpin.pk).update(subject="配送の遅延について")
        TicketTokens.objects.all().delete()
    call_command("support_similar_rebuild", "--tenant", tenant.slug, "--batch", "100")
    current = make_ticket(tenant, subject="配送が遅延しています", body="まだ届きません")
    with tenant_context(tenant):
        found = selectors.similar_tickets(tenant=tenant, ticket=current)
    assert found and found[0].ticket.pk == henpin.pk


def test_the_similar_search_of_another_tenant_sees_nothing(tenant, other_tenant):
    _past(tenant)
    theirs = make_ticket(other_tenant, subject="返品したい", body="商品を返品したいです")
    with tenant_context(other_tenant):
        assert selectors.similar_tickets(tenant=other_tenant, ticket=theirs) == []


def test_the_similar_list_runs_a_fixed_number_of_queries(tenant, django_assert_num_queries):
    _past(tenant)
    for i in range(6):
        _resolved(tenant, f"返品の件 {i}", "返品したい", f"回答 {i}")
    current = make_ticket(tenant, subject="返品したい", body="返品をお願いします")
    with tenant_context(tenant):
        ticket = Ticket.objects.get(pk=current.pk)
        with django_assert_num_queries(0):
            similar_context(tenant=tenant, membership=None, ticket=ticket)
        with django_assert_num_queries(4):
            found = selectors.similar_tickets(tenant=tenant, ticket=ticket)
    assert len(found) == 5
    assert all(item.answer for item in found)


def test_the_api_lists_similar_tickets_and_404s_other_tenants(api_client, other_api_client, tenant):
    henpin, _ = _past(tenant)
    current = make_ticket(tenant, subject="返品したい", body="返品できますか")
    url = f"/api/v1/tickets/{current.pk}/similar/"
    rows = api_client.get(url).json()
    assert rows[0]["id"] == henpin.pk and rows[0]["number"] == henpin.number
    assert "返品フォーム" in rows[0]["answer"]
    assert other_api_client.get(url).status_code == 404


def test_the_panel_loads_its_list_with_the_insert_button(member_client, tenant):
    _past(tenant)
    current = make_ticket(tenant, subject="返品したい", body="返品できますか")
    from django.template.loader import render_to_string

    with tenant_context(tenant):
        ctx = similar_context(tenant=tenant, membership=None, ticket=current)
    url = reverse("support:ticket_similar", args=[current.pk])
    assert url in render_to_string("support/replies/panels/similar.html", ctx)
    html = member_client.get(url).content.decode()
    assert 'data-testid="insert-answer"' in html and "返品フォーム" in html


def test_the_similar_list_of_another_tenants_ticket_is_404(outsider_client, tenant):
    current = make_ticket(tenant, subject="返品したい", body="返品できますか")
    response = outsider_client.get(reverse("support:ticket_similar", args=[current.pk]))
    assert response.status_code == 404


def test_seed_demo_adds_templates_once_and_indexes_bulk_tickets(tenant):
    from support.replies.demo import seed_replies
    from support.replies.models import ReplyTemplate

    henpin, _ = _past(tenant)
    with tenant_context(tenant):
        TicketTokens.objects.all().delete()
        seed_replies(tenant=tenant, tickets=2)
        seed_replies(tenant=tenant)
        assert ReplyTemplate.objects.count() == 3
        assert TicketTokens.objects.filter(is_done=True).count() == 2
        body = ReplyTemplate.objects.get(shortcut="/henpin").body
    from support.replies import merge

    merge.check_body(body)
