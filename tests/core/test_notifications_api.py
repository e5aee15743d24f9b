"""/api/v1/notifications/: the caller's notifications (cursor pages) and mark-read."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from crm.core.roles import Role
from tests.core.test_notifications_pages import send, unread
from tests.factories import make_member

pytestmark = pytest.mark.django_db


def api_for(user) -> APIClient:
    c = APIClient()
    c.force_login(user)
    return c


def test_list_newest_first_and_only_unread(tenant) -> None:
    rep = make_member(tenant, Role.SALES)
    first, second, third = send(tenant, rep, 3)
    c = api_for(rep)
    c.post("/api/v1/notifications/mark-read/", {"ids": [first.pk]}, format="json")
    body = c.get("/api/v1/notifications/").json()
    assert [n["id"] for n in body["results"]] == [third.pk, second.pk, first.pk]
    assert body["results"][2]["read_at"] is not None
    only = c.get("/api/v1/notifications/?unread=1").json()["results"]
    assert [n["id"] for n in only] == [third.pk, second.pk]


def test_cursor_pages(tenant) -> None:
    rep = make_member(tenant, Role.SALES)
    send(tenant, rep, 5)
    c = api_for(rep)
    page = c.get("/api/v1/notifications/?page_size=2").json()
    assert len(page["results"]) == 2 and page["next"]
    seen = [n["id"] for n in page["results"]]
    while page["next"]:
        page = c.get(page["next"]).json()
        seen += [n["id"] for n in page["results"]]
    assert len(seen) == 5 == len(set(seen))


def test_mark_read_all_and_bad_input(tenant) -> None:
    rep = make_member(tenant, Role.SALES)
    send(tenant, rep, 3)
    c = api_for(rep)
    bad = c.post("/api/v1/notifications/mark-read/", {}, format="json")
    assert bad.status_code == 400 and "ids" in bad.json()["error"]["fields"]
    wrong_type = c.post("/api/v1/notifications/mark-read/", {"ids": ["x"]}, format="json")
    assert wrong_type.status_code == 400
    assert unread(tenant, rep) == 3
    done = c.post("/api/v1/notifications/mark-read/", {"all": True}, format="json")
    assert done.json() == {"marked": 3} and unread(tenant, rep) == 0


def test_ids_of_others_are_ignored(tenant, other_tenant, outsider, member) -> None:
    (mine,) = send(tenant, member)
    theirs = api_for(outsider)
    assert theirs.get("/api/v1/notifications/").json()["results"] == []
    response = theirs.post("/api/v1/notifications/mark-read/", {"ids": [mine.pk]}, format="json")
    assert response.json() == {"marked": 0}
    colleague = api_for(make_member(tenant, Role.SALES))
    assert colleague.post(
        "/api/v1/notifications/mark-read/", {"ids": [mine.pk]}, format="json"
    ).json() == {"marked": 0}
    assert unread(tenant, member) == 1
