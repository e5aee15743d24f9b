"""Sales targets: managers set their team's, admins everyone's, reps nobody's; the grid saves
all cells in one transaction or none (a message at each bad cell, what was typed kept); copy
last month fills only empty months; every save is audited."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from crm.core.context import tenant_context
from crm.core.models import AuditLog
from sales.forecast import services
from sales.forecast.models import SalesTarget
from tests.sales.test_forecast_figures import build_team, membership_of

pytestmark = pytest.mark.django_db
APRIL, MAY = dt.date(2026, 4, 1), dt.date(2026, 5, 1)


@pytest.fixture
def team(tenant: Any) -> Any:
    return build_team(tenant)


def targets(tenant: Any) -> dict[tuple[int, dt.date], Decimal]:
    with tenant_context(tenant):
        return {(t.user_id, t.month): t.amount for t in SalesTarget.objects.filter(tenant=tenant)}


def save(tenant: Any, user: Any, entries: list[dict[str, Any]]) -> services.TargetsSaved:
    with tenant_context(tenant):
        return services.targets_set(
            tenant=tenant, membership=membership_of(tenant, user), entries=entries, actor=user
        )


def client_for(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_a_manager_sets_the_team_targets_in_one_save(tenant: Any, team: Any) -> None:
    result = save(
        tenant,
        team.manager,
        [
            {"user": team.rep1.pk, "month": "2026-04", "amount": "1,200,000"},
            {"user": team.rep2.pk, "month": "2026-04", "amount": "８００，０００"},
            {"user": team.rep2.pk, "month": "2026-05", "amount": "¥900000"},
        ],
    )
    assert (result.saved, result.cleared) == (3, 0)
    assert targets(tenant) == {
        (team.rep1.pk, APRIL): Decimal(1_200_000),
        (team.rep2.pk, APRIL): Decimal(800_000),
        (team.rep2.pk, MAY): Decimal(900_000),
    }
    with tenant_context(tenant):
        entry = AuditLog.objects.filter(object_type="sales.salestarget").latest("id")
    assert entry.actor_id == team.manager.pk
    assert entry.changes[f"t_{team.rep1.pk}_2026-04"] == [None, "1200000"]
    # Saving again: one changed, one cleared, one unchanged; one upsert.
    again = save(
        tenant,
        team.manager,
        [
            {"user": team.rep1.pk, "month": "2026-04", "amount": "1500000"},
            {"user": team.rep2.pk, "month": "2026-04", "amount": ""},
            {"user": team.rep2.pk, "month": "2026-05", "amount": "900000"},
        ],
    )
    assert (again.saved, again.cleared, again.unchanged) == (1, 1, 1)
    assert targets(tenant) == {
        (team.rep1.pk, APRIL): Decimal(1_500_000),
        (team.rep2.pk, MAY): Decimal(900_000),
    }


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("-5000", "cannot be negative"),
        ("abc", "whole number"),
        ("1000.5", "without sen"),
        ("99999999999999999", "too large"),
    ],
)
def test_a_bad_amount_saves_nothing_and_says_what_to_fix(
    tenant: Any, team: Any, amount: str, message: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        save(
            tenant,
            team.manager,
            [
                {"user": team.rep1.pk, "month": "2026-04", "amount": "1000000"},
                {"user": team.rep2.pk, "month": "2026-04", "amount": amount},
            ],
        )
    errors = caught.value.message_dict
    assert list(errors) == [f"t_{team.rep2.pk}_2026-04"]
    assert message in errors[f"t_{team.rep2.pk}_2026-04"][0]
    assert targets(tenant) == {}  # the good cell was not saved either


def test_not_a_member_or_outside_the_team_is_refused(
    tenant: Any, other_tenant: Any, team: Any, outsider: Any
) -> None:
    with pytest.raises(ValidationError) as caught:
        save(
            tenant,
            team.manager,
            [
                {"user": outsider.pk, "month": "2026-04", "amount": "100"},
                {"user": team.rep3.pk, "month": "2026-04", "amount": "100"},
                {"user": team.rep1.pk, "month": "2026-4x", "amount": "100"},
            ],
        )
    errors = caught.value.message_dict
    assert "not an active member" in errors[f"t_{outsider.pk}_2026-04"][0]
    assert "own team only" in errors[f"t_{team.rep3.pk}_2026-04"][0]
    assert "like 2026-04" in errors[f"t_{team.rep1.pk}_2026-4x"][0]
    assert targets(tenant) == {}


def test_a_rep_cannot_set_targets_and_an_admin_sets_anyone(tenant: Any, team: Any) -> None:
    with pytest.raises(ValidationError) as caught:
        save(tenant, team.rep1, [{"user": team.rep1.pk, "month": "2026-04", "amount": "1"}])
    assert "Only managers and admins" in " ".join(caught.value.messages)
    save(tenant, team.admin, [{"user": team.rep3.pk, "month": "2026-04", "amount": "5"}])
    assert targets(tenant) == {(team.rep3.pk, APRIL): Decimal(5)}


def test_copy_last_month_fills_only_the_empty_ones(tenant: Any, team: Any) -> None:
    save(
        tenant,
        team.manager,
        [
            {"user": team.rep1.pk, "month": "2026-03", "amount": "100"},
            {"user": team.rep2.pk, "month": "2026-03", "amount": "200"},
            {"user": team.rep2.pk, "month": "2026-04", "amount": "999"},
        ],
    )
    with tenant_context(tenant):
        copied = services.targets_copy_previous_month(
            tenant=tenant,
            membership=membership_of(tenant, team.manager),
            month=APRIL,
            actor=team.manager,
        )
    assert copied == 1
    got = targets(tenant)
    assert got[(team.rep1.pk, APRIL)] == Decimal(100)
    assert got[(team.rep2.pk, APRIL)] == Decimal(999)


def test_the_grid_is_editable_for_a_manager_and_read_only_for_a_rep(tenant: Any, team: Any) -> None:
    url = reverse("sales:forecast_targets")
    manager_html = client_for(team.manager).get(url, {"from": "2026-04", "to": "2026-06"})
    html = manager_html.content.decode()
    assert f'name="t_{team.rep1.pk}_2026-04"' in html
    assert f'name="t_{team.rep3.pk}_2026-04"' not in html  # not in the manager's team
    assert "No targets yet — set them here" in html
    rep_html = client_for(team.rep1).get(url, {"from": "2026-04", "to": "2026-06"})
    assert 'name="t_' not in rep_html.content.decode()
    assert "Your manager sets them" in rep_html.content.decode()
    refused = client_for(team.rep1).post(
        reverse("sales:forecast_targets_save"),
        {"from": "2026-04", "to": "2026-06", f"t_{team.rep1.pk}_2026-04": "1"},
    )
    assert refused.status_code == 403
    assert targets(tenant) == {}


def test_the_grid_saves_and_a_bad_cell_keeps_what_was_typed(tenant: Any, team: Any) -> None:
    manager = client_for(team.manager)
    save_url = reverse("sales:forecast_targets_save")
    good = manager.post(
        save_url,
        {
            "from": "2026-04",
            "to": "2026-05",
            f"t_{team.rep1.pk}_2026-04": "1000000",
            f"t_{team.rep1.pk}_2026-05": "",
            f"t_{team.rep2.pk}_2026-04": "2,000,000",
        },
    )
    assert good.status_code == 302
    assert targets(tenant) == {
        (team.rep1.pk, APRIL): Decimal(1_000_000),
        (team.rep2.pk, APRIL): Decimal(2_000_000),
    }
    bad = manager.post(
        save_url,
        {
            "from": "2026-04",
            "to": "2026-05",
            f"t_{team.rep1.pk}_2026-04": "3000000",
            f"t_{team.rep2.pk}_2026-04": "-1",
        },
    )
    assert bad.status_code == 400
    html = bad.content.decode()
    assert 'value="3000000"' in html and 'value="-1"' in html
    assert "is-invalid" in html and "cannot be negative" in html
    assert "Nothing was saved" in html
    assert targets(tenant)[(team.rep1.pk, APRIL)] == Decimal(1_000_000)


def test_the_grid_copy_button(tenant: Any, team: Any) -> None:
    save(tenant, team.admin, [{"user": team.rep1.pk, "month": "2026-03", "amount": "70"}])
    response = client_for(team.admin).post(
        reverse("sales:forecast_targets_copy"),
        {"month": "2026-04", "from": "2026-04", "to": "2026-06"},
    )
    assert response.status_code == 302
    assert targets(tenant)[(team.rep1.pk, APRIL)] == Decimal(70)


def test_full_width_and_yen_signs_are_understood() -> None:
    assert services.parse_amount("１，２００，０００円") == Decimal(1_200_000)
    assert services.parse_amount(" ") is None
    assert services.parse_amount(0) == Decimal(0)
