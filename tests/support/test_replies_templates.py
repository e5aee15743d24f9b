"""Reply templates: services, pages and API; shared vs personal; bad input."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from crm.core.context import tenant_context
from crm.core.roles import Role
from support.replies import services
from support.replies.models import ReplyTemplate, TemplateScope
from tests.factories import make_api_key

from .helpers import make_agent, make_category, make_ticket

pytestmark = pytest.mark.django_db


def _template(tenant, actor, **kw):
    kw.setdefault("name", "返品のご案内")
    kw.setdefault("body", "{{contact.last_name}} 様\n返品の手続きをご案内します。")
    with tenant_context(tenant):
        return services.template_create(tenant=tenant, actor=actor, **kw)


def _client(user):
    c = Client()
    c.force_login(user)
    return c


# --- services -------------------------------------------------------------------------------


def test_it_creates_a_shared_template_without_owner(tenant, member):
    t = _template(tenant, member, shortcut="HENPIN")
    assert t.scope == TemplateScope.SHARED and t.owner_id is None
    assert t.shortcut == "/henpin"


def test_a_personal_template_belongs_to_its_author(tenant, member):
    t = _template(tenant, member, scope=TemplateScope.PERSONAL)
    assert t.owner_id == member.pk


def test_an_unknown_field_is_refused_and_nothing_is_saved(tenant, member):
    with tenant_context(tenant), pytest.raises(ValidationError) as exc:
        services.template_create(
            tenant=tenant, actor=member, name="x", body="{{ settings.SECRET_KEY }}"
        )
    assert "settings.SECRET_KEY" in exc.value.message_dict["body"][0]
    assert "contact.last_name" in exc.value.message_dict["body"][0]
    with tenant_context(tenant):
        assert not ReplyTemplate.objects.exists()


def test_an_update_with_a_bad_field_leaves_the_template_as_it_was(tenant, member):
    t = _template(tenant, member)
    with tenant_context(tenant), pytest.raises(ValidationError):
        services.template_update(
            tenant=tenant, template=t, actor=member, name="新しい名前", body="{% load static %}"
        )
    with tenant_context(tenant):
        t.refresh_from_db()
    assert t.name == "返品のご案内"


def test_every_problem_is_reported_at_once(tenant, member):
    with tenant_context(tenant), pytest.raises(ValidationError) as exc:
        services.template_create(
            tenant=tenant, actor=member, name=" ", body="{{contact.age}}", shortcut="/a b"
        )
    assert set(exc.value.message_dict) == {"name", "body", "shortcut"}


def test_a_shortcut_is_unique_among_shared_templates(tenant, member):
    _template(tenant, member, shortcut="/henpin")
    with tenant_context(tenant), pytest.raises(ValidationError) as exc:
        services.template_create(
            tenant=tenant, actor=member, name="b", body="b", shortcut="/henpin"
        )
    assert "shortcut" in exc.value.message_dict
    # a personal one may shadow it
    _template(tenant, member, name="mine", scope=TemplateScope.PERSONAL, shortcut="/henpin")


def test_render_fills_the_ticket_and_counts_the_use(tenant, member):
    t = _template(tenant, member, body="{{contact.last_name}} 様 #{{ticket.number}} {{agent.name}}")
    ticket = make_ticket(tenant)
    with tenant_context(tenant):
        text = services.template_render(
            tenant=tenant, template=t, ticket=ticket, agent=member, count_use=True
        )
        t.refresh_from_db()
    assert text == f"山田 様 #{ticket.number} Alice"
    assert t.usage_count == 1


# --- pages ----------------------------------------------------------------------------------


def test_the_list_shows_an_empty_state_that_says_what_to_do(member_client, tenant):
    response = member_client.get(reverse("support:template_list"))
    assert response.status_code == 200
    assert 'data-testid="template-empty"' in response.content.decode()
    assert reverse("support:template_create") in response.content.decode()


def test_the_list_searches_name_and_body_and_splits_tabs(member_client, tenant, member):
    _template(tenant, member, name="返品のご案内", body="返品の手続き")
    _template(tenant, member, name="請求書", body="請求書を再発行します")
    _template(tenant, member, name="私のメモ", body="手続き", scope=TemplateScope.PERSONAL)
    url = reverse("support:template_list")
    page = member_client.get(url, {"q": "再発行"}).content.decode()
    assert "請求書" in page and "返品のご案内" not in page
    page = member_client.get(url, {"q": "手続き", "tab": "personal"}).content.decode()
    assert "私のメモ" in page and "返品のご案内" not in page
    page = member_client.get(url, {"tab": "shared"}).content.decode()
    assert "私のメモ" not in page and "返品のご案内" in page


def test_the_list_runs_a_constant_number_of_queries(
    member_client, tenant, member, django_assert_max_num_queries
):
    category = make_category(tenant, "返品")
    for i in range(3):
        _template(tenant, member, name=f"t{i}", category=category)
    url = reverse("support:template_list")
    member_client.get(url)
    with django_assert_max_num_queries(12) as few:
        member_client.get(url)
    for i in range(3, 15):
        _template(tenant, member, name=f"t{i}", category=category, scope=TemplateScope.PERSONAL)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = member_client.get(url)
    assert response.content.decode().count('data-testid="template-row"') == 15


def test_create_edit_and_delete_through_the_pages(member_client, tenant):
    response = member_client.post(
        reverse("support:template_create"),
        {
            "name": "返品",
            "scope": "shared",
            "body": "{{contact.last_name}} 様",
            "shortcut": "/henpin",
        },
    )
    assert response.status_code == 302
    with tenant_context(tenant):
        t = ReplyTemplate.objects.get()
    response = member_client.post(
        reverse("support:template_edit", args=[t.pk]),
        {"name": "返品のご案内", "scope": "shared", "body": "{{contact.full_name}} 様"},
    )
    assert response.status_code == 302
    confirm = member_client.get(reverse("support:template_delete", args=[t.pk]))
    assert 'data-testid="confirm-delete"' in confirm.content.decode()
    with tenant_context(tenant):
        assert ReplyTemplate.objects.filter(pk=t.pk).exists()  # GET deletes nothing
    member_client.post(reverse("support:template_delete", args=[t.pk]))
    with tenant_context(tenant):
        assert not ReplyTemplate.objects.exists()


def test_the_form_keeps_what_was_typed_and_names_the_bad_field(member_client, tenant):
    response = member_client.post(
        reverse("support:template_create"),
        {"name": "返品", "scope": "shared", "body": "{{contact.nickname}} 様 本文はそのまま"},
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert 'data-testid="error-body"' in page
    assert "{{ contact.nickname }}" in page and "{{ contact.last_name }}" in page
    assert "本文はそのまま" in page


def test_preview_renders_against_a_sample_or_a_real_ticket(member_client, tenant):
    url = reverse("support:template_preview")
    sample = member_client.post(url, {"body": "{{contact.last_name}} 様 {{contact.company}}"})
    assert "山田 様 【contact.company】" in sample.content.decode()
    ticket = make_ticket(tenant, requester_email="sato@example.jp", requester_name="佐藤 花子")
    real = member_client.post(
        url, {"body": "{{contact.last_name}} 様 #{{ticket.number}}", "ticket_number": ticket.number}
    )
    assert f"佐藤 様 #{ticket.number}" in real.content.decode()
    bad = member_client.post(url, {"body": "{{ settings.SECRET_KEY }}"})
    assert 'data-testid="preview-error"' in bad.content.decode()


def test_render_json_for_the_reply_editor(member_client, tenant, member):
    t = _template(tenant, member)
    ticket = make_ticket(tenant)
    response = member_client.get(
        reverse("support:template_render", args=[t.pk, ticket.pk]), {"use": "1"}
    )
    assert response.json() == {"text": "山田 様\n返品の手続きをご案内します。"}


def test_someone_elses_personal_template_is_404(tenant, member):
    mine = _template(tenant, member, scope=TemplateScope.PERSONAL, name="alice only")
    shared = _template(tenant, member, name="everyone")
    agent = make_agent(tenant, "carol@alpha.example.com", display_name="Carol")
    ticket = make_ticket(tenant)
    carol = _client(agent)
    for name in ("support:template_edit", "support:template_delete"):
        assert carol.get(reverse(name, args=[mine.pk])).status_code == 404
        assert carol.get(reverse(name, args=[shared.pk])).status_code == 200
    assert (
        carol.get(reverse("support:template_render", args=[mine.pk, ticket.pk])).status_code == 404
    )
    assert "alice only" not in carol.get(reverse("support:template_list")).content.decode()


def test_a_viewer_reads_templates_but_cannot_change_them(tenant, member):
    shared = _template(tenant, member)
    viewer = _client(make_agent(tenant, "vic@alpha.example.com", role=Role.SALES))
    assert viewer.get(reverse("support:template_list")).status_code == 200
    assert viewer.get(reverse("support:template_edit", args=[shared.pk])).status_code == 403
    assert viewer.post(reverse("support:template_delete", args=[shared.pk])).status_code == 403


# --- API ------------------------------------------------------------------------------------


def test_api_crud_and_render(api_client, tenant):
    ticket = make_ticket(tenant)
    created = api_client.post(
        "/api/v1/reply-templates/",
        {"name": "返品", "body": "{{contact.last_name}} 様", "shortcut": "/henpin"},
        format="json",
    )
    assert created.status_code == 201, created.content
    tid = created.json()["id"]
    assert (
        api_client.get("/api/v1/reply-templates/", {"q": "返品"}).json()["results"][0]["id"] == tid
    )
    rendered = api_client.get(f"/api/v1/reply-templates/{tid}/render/", {"ticket": ticket.pk})
    assert rendered.json() == {"text": "山田 様"}
    patched = api_client.patch(
        f"/api/v1/reply-templates/{tid}/", {"body": "{{ticket.__class__}}"}, format="json"
    )
    assert patched.status_code == 400
    assert "ticket.__class__" in str(patched.json()["error"]["fields"]["body"])
    assert api_client.delete(f"/api/v1/reply-templates/{tid}/").status_code == 204


def test_api_personal_templates_only_for_the_owner(tenant, member):
    mine = _template(tenant, member, scope=TemplateScope.PERSONAL, name="alice only")
    shared = _template(tenant, member, name="everyone")
    dave = _client(make_agent(tenant, "dave@alpha.example.com", display_name="Dave"))
    assert dave.get(f"/api/v1/reply-templates/{mine.pk}/").status_code == 404
    assert (
        dave.patch(
            f"/api/v1/reply-templates/{mine.pk}/", {"name": "x"}, content_type="application/json"
        ).status_code
        == 404
    )
    ids = [row["id"] for row in dave.get("/api/v1/reply-templates/").json()["results"]]
    assert ids == [shared.pk]
    alice = _client(member)
    assert alice.get(f"/api/v1/reply-templates/{mine.pk}/").json()["owner"] == member.pk


def test_api_read_only_key_cannot_write(tenant):
    from rest_framework.test import APIClient

    c = APIClient()
    c.credentials(HTTP_AUTHORIZATION=f"Bearer {make_api_key(tenant, Role.SALES)}")
    response = c.post("/api/v1/reply-templates/", {"name": "x", "body": "x"}, format="json")
    assert response.status_code == 403


def test_another_tenants_templates_and_tickets_are_404(
    tenant, member, outsider_client, other_api_client
):
    t = _template(tenant, member, name="alpha secret")
    ticket = make_ticket(tenant)
    for url in (
        reverse("support:template_edit", args=[t.pk]),
        reverse("support:template_delete", args=[t.pk]),
        reverse("support:template_render", args=[t.pk, ticket.pk]),
    ):
        assert outsider_client.get(url).status_code == 404
    assert (
        "alpha secret" not in outsider_client.get(reverse("support:template_list")).content.decode()
    )
    assert other_api_client.get(f"/api/v1/reply-templates/{t.pk}/").status_code == 404
    assert other_api_client.delete(f"/api/v1/reply-templates/{t.pk}/").status_code == 404
    assert other_api_client.get("/api/v1/reply-templates/").json()["results"] == []
    with tenant_context(tenant):
        assert ReplyTemplate.objects.filter(pk=t.pk).exists()
