"""Two service processes on one PostgreSQL and one Valkey behave as one service."""

import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

from tests.conftest import TEST_JWT_SECRET, PostgresDatabases
from tests.processes import migrate_with_cli, running_server

PASSWORD = "correct horse battery"


async def test_what_one_instance_does_the_other_sees_at_once(
    postgres_databases: PostgresDatabases, valkey_url: str, tmp_path: Path
) -> None:
    environment = {
        "DATABASE_URL": await postgres_databases.create(),
        "VALKEY_URL": valkey_url,
        "VALKEY_NAMESPACE": f"test-{uuid.uuid4().hex}",
        "JWT_SECRET": TEST_JWT_SECRET,
        "ARGON2_MEMORY_KIB": "64",
        "ARGON2_TIME_COST": "1",
    }
    migrate_with_cli(environment)

    with running_server(environment, tmp_path) as first, running_server(environment, tmp_path) as second:
        a, b = httpx.Client(base_url=first.url, timeout=10), httpx.Client(base_url=second.url, timeout=10)
        a.post("/auth/register", json={"email": "ada@example.com", "password": PASSWORD}).raise_for_status()
        tokens = b.post("/auth/login", data={"username": "ada@example.com", "password": PASSWORD}).json()
        bearer = {"Authorization": f"Bearer {tokens['access_token']}"}
        expires_at = (datetime.now(UTC) + timedelta(days=1)).isoformat()

        created = a.post("/referral-code/create", json={"expires_at": expires_at}, headers=bearer).json()["code"]
        seen_by_second = [b.get("/referral-code/ada@example.com").json()["code"] for _ in range(3)]  # now cached
        deleted = a.delete("/referral-code/delete", headers=bearer).status_code
        after_delete = b.get("/referral-code/ada@example.com").status_code
        recreated = b.post("/referral-code/create", json={"expires_at": expires_at}, headers=bearer).json()["code"]
        seen_by_first = a.get("/referral-code/ada@example.com").json()["code"]

        rotated = a.post("/auth/refresh", json={"refresh_token": tokens["refresh_token"]}).status_code
        replayed = b.post("/auth/refresh", json={"refresh_token": tokens["refresh_token"]}).status_code
        me_on_first = a.get("/users/me", headers=bearer).status_code

    assert seen_by_second == [created] * 3
    assert (deleted, after_delete) == (204, 404)
    assert seen_by_first == recreated != created
    assert (rotated, replayed, me_on_first) == (200, 401, 200)
