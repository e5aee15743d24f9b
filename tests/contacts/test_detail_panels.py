"""Other apps' panels beside the timeline: registered once, shown on contact and company
detail pages to members whose role has the panel's permission."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from contacts import panels
from contacts.services import company_create
from crm.core.context import tenant_context
from tests.factories import make_contact


@pytest.fixture
def probe_panel(tmp_path: Any, settings: Any) -> Any:
    (tmp_path / "probe_panel.html").write_text(
        "<p>probe for {{ panel.label }} ({{ panel.kind }})</p>", encoding="utf-8"
    )
    # Assigned whole (not mutated) so Django's setting_changed signal resets the engines and
    # their cached loaders, which would otherwise not know the new directory.
    templates = copy.deepcopy(settings.TEMPLATES)
    templates[0]["DIRS"] = [*templates[0]["DIRS"], str(tmp_path)]
    settings.TEMPLATES = templates
    saved = {on: dict(found) for on, found in panels._PANELS.items()}

    def context(*, tenant: Any, membership: Any, obj: Any) -> dict[str, Any]:
        return {"label": str(obj), "kind": type(obj).__name__}

    for on in ("contact", "company"):
        panels.register_detail_panel(
            on=on, key="probe", template="probe_panel.html", context=context, perm="contacts.view"
        )
    yield
    panels._PANELS.clear()
    panels._PANELS.update(saved)


@pytest.mark.django_db
def test_it_shows_registered_panels_on_contact_and_company_pages(
    probe_panel: Any, member_client: Any, tenant: Any
) -> None:
    with tenant_context(tenant):
        company = company_create(tenant=tenant, name="青空商事")
    contact = make_contact(tenant, last_name="佐藤", company=company)
    page = member_client.get(f"/contacts/{contact.pk}/").content.decode()
    assert 'data-testid="panel-probe"' in page
    assert "probe for 佐藤 太郎 (Contact)" in page
    page = member_client.get(f"/contacts/companies/{company.pk}/").content.decode()
    assert "probe for 青空商事 (Company)" in page


def test_it_leaves_out_panels_the_role_may_not_see() -> None:
    saved = panels._PANELS["contact"]
    panels._PANELS["contact"] = {}  # only this test's panels
    try:
        for key, perm in (("open", "contacts.view"), ("secret", "settings.manage")):
            panels.register_detail_panel(
                on="contact", key=key, template="x.html", context=lambda **kw: {}, perm=perm
            )

        class Sales:
            role = "sales"

        shown = panels.detail_panels(on="contact", tenant=None, membership=Sales(), obj=None)  # type: ignore[arg-type]
        assert [p["key"] for p in shown] == ["open"]
    finally:
        panels._PANELS["contact"] = saved
