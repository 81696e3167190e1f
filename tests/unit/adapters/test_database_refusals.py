"""Which database errors are a refusal to serve for now (503) and which are a statement's fault (500)."""

import pytest
from sqlalchemy.exc import DBAPIError

from referrals.adapters.persistence.refusals import is_refusal


class ServerError(Exception):
    def __init__(self, sqlstate: str | None) -> None:
        super().__init__("server said no")
        self.sqlstate = sqlstate


def error(sqlstate: str | None, statement: str | None = "SELECT 1") -> DBAPIError:
    return DBAPIError(statement, None, ServerError(sqlstate))


@pytest.mark.parametrize(
    "sqlstate", ["08006", "08001", "53300", "53100", "57P01", "57P02", "57P03", "25006", "40001", "40P01"]
)
def test_connection_resource_shutdown_and_lost_race_states_are_refusals(sqlstate: str) -> None:
    assert is_refusal(error(sqlstate))


def test_a_database_not_accepting_connections_is_a_refusal_only_when_connecting() -> None:
    assert is_refusal(error("55000", statement=None))
    assert not is_refusal(error("55000"))


@pytest.mark.parametrize("sqlstate", ["23505", "42601", "22P02", "40002", "28P01", None])
def test_a_statement_the_database_rejects_is_not_a_refusal(sqlstate: str | None) -> None:
    assert not is_refusal(error(sqlstate))
