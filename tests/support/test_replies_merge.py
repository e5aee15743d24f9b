"""The merge-field renderer: allow-list, errors that list the allowed fields, values as
plain text, no template engine reachable from a template's text."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError

from support.replies import merge


def _ticket(**kw):
    contact = SimpleNamespace(
        last_name="山田", first_name="太郎", email="yamada@example.jp", company_id=None
    )
    base = dict(
        number=42,
        subject="返品について",
        requester_name="",
        requester_email="",
        contact=contact,
        company=None,
        category=None,
    )
    base.update(kw)
    return SimpleNamespace(**base)


def _values(ticket=None):
    tenant = SimpleNamespace(name="Alpha 株式会社", zone=None)
    return merge.values_for(tenant=tenant, ticket=ticket or _ticket(), agent=None)


def test_it_fills_the_customers_last_name():
    assert merge.render("{{contact.last_name}} 様", _values()) == "山田 様"
    assert merge.render("{{ contact.last_name }} 様 #{{ticket.number}}", _values()) == "山田 様 #42"


def test_spaces_inside_braces_do_not_matter():
    assert merge.render("{{   contact.full_name   }}", _values()) == "山田 太郎"


def test_without_a_contact_the_requesters_name_is_used():
    values = _values(_ticket(contact=None, requester_name="佐藤\u3000花子"))
    assert merge.render("{{contact.last_name}}/{{contact.first_name}}", values) == "佐藤/花子"


def test_a_missing_value_renders_empty_or_as_a_marker_in_the_preview():
    values = _values(_ticket(contact=None, requester_name=""))
    assert merge.render("[{{contact.company}}]", values) == "[]"
    assert merge.render("[{{contact.company}}]", values, marker=True) == "[【contact.company】]"


def test_values_go_in_as_plain_text_and_are_not_expanded_again():
    values = _values(_ticket(subject="{{ticket.number}} <b>x</b>"))
    assert merge.render("{{ticket.subject}}", values) == "{{ticket.number}} <b>x</b>"


def test_saving_an_unknown_field_lists_the_allowed_ones():
    with pytest.raises(ValidationError) as exc:
        merge.check_body("{{contact.last_name}} {{contact.nickname}}")
    message = exc.value.message_dict["body"][0]
    assert "{{ contact.nickname }}" in message
    for name in merge.FIELDS:
        assert "{{ " + name + " }}" in message


@pytest.mark.parametrize(
    "body",
    [
        "{{ settings.SECRET_KEY }}",
        "{{contact.__class__}}",
        "{{ contact.last_name.__class__.__mro__ }}",
        "{{ ticket.number|add:1 }}",
        "{% load static %}",
        "{% debug %}",
    ],
)
def test_template_injection_is_refused_when_saved(body):
    with pytest.raises(ValidationError):
        merge.check_body(body)


@pytest.mark.parametrize(
    "body",
    ["{{ settings.SECRET_KEY }}", "{{contact.__class__}}", "{% load static %}{% debug %}"],
)
def test_template_injection_is_inert_when_rendered(body, settings):
    out = merge.render(body, _values())
    assert out == body
    assert settings.SECRET_KEY not in out


def test_tenant_name_and_agent_fill_in():
    agent = SimpleNamespace(pk=7, email="sato@alpha.example.com", __str__=lambda self: "x")
    values = merge.values_for(
        tenant=SimpleNamespace(name="Alpha 株式会社", zone=None), ticket=_ticket(), agent=agent
    )
    assert values["tenant.name"] == "Alpha 株式会社"
    assert values["agent.email"] == "sato@alpha.example.com"


def test_allowed_fields_include_the_documented_ones():
    for name in (
        "contact.last_name",
        "contact.first_name",
        "contact.full_name",
        "contact.company",
        "ticket.number",
        "ticket.subject",
        "agent.name",
        "agent.email",
        "tenant.name",
    ):
        assert name in merge.FIELDS
