"""Every revision goes up, down and up again, and the models match what the migrations build."""

import asyncio

from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import inspect
from sqlalchemy.ext.asyncio import create_async_engine

from tests.conftest import alembic_config


async def table_names(url: str) -> set[str]:
    engine = create_async_engine(url)
    try:
        async with engine.connect() as connection:
            return set(await connection.run_sync(lambda sync: inspect(sync).get_table_names()))
    finally:
        await engine.dispose()


async def test_stairway_up_down_up_for_every_revision(fresh_database_url: str) -> None:
    config = alembic_config(fresh_database_url)
    revisions = list(reversed(list(ScriptDirectory.from_config(config).walk_revisions())))
    assert revisions

    for revision in revisions:
        down_revision = revision.down_revision
        assert down_revision is None or isinstance(down_revision, str), f"{revision.revision} is a merge"
        await asyncio.to_thread(command.upgrade, config, revision.revision)
        await asyncio.to_thread(command.downgrade, config, down_revision or "base")
        await asyncio.to_thread(command.upgrade, config, revision.revision)

    assert {"users", "referral_codes", "refresh_tokens"} <= await table_names(fresh_database_url)
    await asyncio.to_thread(command.downgrade, config, "base")
    assert await table_names(fresh_database_url) <= {"alembic_version"}


async def test_models_and_migrations_do_not_drift(fresh_database_url: str) -> None:
    config = alembic_config(fresh_database_url)
    await asyncio.to_thread(command.upgrade, config, "head")

    # Raises if autogenerate would produce any operation.
    await asyncio.to_thread(command.check, config)
