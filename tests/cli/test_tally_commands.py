"""``python -m referrals tallies recount`` as an operator runs it, and the stats over HTTP before and after."""

from pathlib import Path

from httpx import AsyncClient
from sqlalchemy import delete
from sqlalchemy.ext.asyncio import create_async_engine

from referrals.adapters.persistence.tally_tables import referrer_tallies
from tests.api.conftest import Account, Api
from tests.cli.test_operator_commands import Cli, cli, http

__all__ = ["cli", "http"]


async def referrals_in_stats(http: AsyncClient, referrer: Account) -> dict[str, int]:
    response = await http.get(
        f"/referrals/{referrer.id}/stats", headers={"Authorization": f"Bearer {referrer.access_token}"}
    )
    assert response.status_code == 200, response.text
    counts: dict[str, int] = response.json()["referrals"]
    return counts


async def test_recount_puts_the_stats_right_after_the_tallies_were_lost(cli: Cli, http: AsyncClient) -> None:
    api = Api(http)
    referrer = await api.account("ada@example.com")
    code = (await api.create_code(referrer)).json()["code"]
    for email in ("bob@example.com", "cy@example.com"):
        assert (await api.register(email, referral_code=code)).status_code == 201
    engine = create_async_engine(cli.database_url)
    async with engine.begin() as connection:
        await connection.execute(delete(referrer_tallies))  # a restore of every table but this one, say
    await engine.dispose()
    assert (await referrals_in_stats(http, referrer))["total"] == 0

    recounted = cli("tallies", "recount")

    assert recounted.code == 0, recounted.stderr
    assert recounted.stdout == "tallies counted again, referrers with one: 1\n"
    counts = await referrals_in_stats(http, referrer)
    assert (counts["total"], counts["pending"]) == (2, 2)


def test_recount_on_a_database_it_cannot_open_fails_in_one_line(tmp_path: Path) -> None:
    unopenable = Cli(f"sqlite+aiosqlite:///{tmp_path / 'no-such-directory' / 'referrals.sqlite3'}", tmp_path)

    failed = unopenable("tallies", "recount")

    assert failed.code == 1
    assert failed.stdout == ""
    assert failed.stderr.startswith("referrals: the database cannot be used: ")
    assert len(failed.stderr.strip().splitlines()) == 1
