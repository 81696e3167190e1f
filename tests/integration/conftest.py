from pathlib import Path

import pytest

from tests.api.conftest import api, app, client
from tests.conftest import PostgresDatabases

__all__ = ["api", "app", "client"]


@pytest.fixture
async def fresh_postgres_url(postgres_databases: PostgresDatabases) -> str:
    return await postgres_databases.create()


# Synchronous, so that it may ask for the asynchronous fixture by name: an async fixture doing so runs inside
# the event loop, where pytest-asyncio cannot set another async fixture up.
@pytest.fixture(params=["sqlite", "postgresql"])
def fresh_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database of each kind, for the migrations to build from nothing."""
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'fresh.sqlite3'}"
    url: str = request.getfixturevalue("fresh_postgres_url")
    return url
