"""crm.core.db.joins_as_written: the joins' order is fixed inside and the default is back
after, when the block raises too, and in a transaction that then rolls back."""

from __future__ import annotations

import pytest
from django.db import connection, transaction

from crm.core.db import joins_as_written

pytestmark = pytest.mark.django_db


def _limit() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SHOW join_collapse_limit")
        return cursor.fetchone()[0]


def test_the_setting_holds_inside_only() -> None:
    default = _limit()
    assert default != "1"
    with joins_as_written():
        assert _limit() == "1"
    assert _limit() == default
    with pytest.raises(ZeroDivisionError), joins_as_written():
        assert _limit() == "1"
        1 / 0  # noqa: B018
    assert _limit() == default


def test_a_failed_statement_inside_a_transaction_leaves_nothing_behind() -> None:
    default = _limit()
    with (  # noqa: PT012
        pytest.raises(Exception),  # noqa: B017, PT011
        transaction.atomic(),
        joins_as_written(),
        connection.cursor() as cursor,
    ):
        cursor.execute("SELECT 1 / 0")
    assert _limit() == default
