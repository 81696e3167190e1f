"""Running one use case from the command line: the server's container, closed after, refusals as one line."""

import asyncio
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, TypeVar

from referrals.application.errors import ApplicationError
from referrals.bootstrap.config import Settings
from referrals.cli.errors import CommandError
from referrals.domain.errors import DomainError

if TYPE_CHECKING:
    # Annotations only: dishka is most of a second to import, which ``serve`` and ``--help`` need not pay.
    from dishka import AsyncContainer

T = TypeVar("T")


def run_in_container(settings: Settings, work: Callable[["AsyncContainer"], Awaitable[T]]) -> T:
    """``work`` with a REQUEST scope of the container every entry point uses; its refusals become a
    ``CommandError`` (one line, exit 1), and so does a database that cannot be reached."""
    return asyncio.run(_run(settings, work))


async def _run(settings: Settings, work: Callable[["AsyncContainer"], Awaitable[T]]) -> T:
    # Imported here: the database stack is a second of start-up that ``serve`` and ``--help`` need not pay.
    from sqlalchemy.exc import SQLAlchemyError  # noqa: PLC0415

    from referrals.bootstrap.container import make_container  # noqa: PLC0415

    container = make_container(settings)
    try:
        async with container() as request_scope:
            return await work(request_scope)
    except (DomainError, ApplicationError) as error:
        raise CommandError(error.message) from None
    except (SQLAlchemyError, OSError) as error:
        # The type only: a driver's message can quote the database URL, password included.
        msg = f"the database cannot be used: {type(error).__name__} (is DATABASE_URL right, and migrated?)"
        raise CommandError(msg) from None
    finally:
        await container.close()
