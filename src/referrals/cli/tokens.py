"""``tokens``: administering refresh tokens."""

import argparse
import asyncio

import sqlalchemy.exc

from referrals.application.ports.common import Clock
from referrals.application.use_cases.purge_refresh_tokens import PurgeRefreshTokens
from referrals.bootstrap.config import Settings
from referrals.bootstrap.container import make_container
from referrals.cli.errors import CommandError


def register(subcommands: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    parser = subcommands.add_parser(
        "tokens", help="administer refresh tokens", description="Administer the stored refresh tokens."
    )
    actions = parser.add_subparsers(title="actions", metavar="ACTION", required=True)
    purge = actions.add_parser(
        "purge",
        help="delete the refresh tokens past their expiry, now",
        description=(
            "Delete every refresh token past its expiry (used, revoked or not), as the background work does "
            "every few minutes, and print how many went on standard output. Tokens within their lifetime stay."
        ),
    )
    purge.set_defaults(run=purge_tokens)


def purge_tokens(settings: Settings, _arguments: argparse.Namespace) -> int:
    removed = asyncio.run(_purge(settings))
    print(f"{removed} expired refresh tokens removed")  # noqa: T201 - the command's answer
    return 0


async def _purge(settings: Settings) -> int:
    container = make_container(settings)
    limit = settings.background.batch_size
    removed = 0
    try:
        clock = await container.get(Clock)
        async with container() as request:
            purge = await request.get(PurgeRefreshTokens)
            # Batches, each a short transaction, until one comes back short: the rest is within its lifetime.
            while (count := await purge(clock.now(), limit)) == limit:
                removed += count
            removed += count
    except (sqlalchemy.exc.SQLAlchemyError, OSError) as error:
        msg = f"cannot purge refresh tokens: the database cannot be used ({_describe(error)})"
        raise CommandError(msg) from None
    finally:
        await container.close()
    return removed


def _describe(error: BaseException) -> str:
    # The type, and the driver's one-line reason ('no such table', 'connection refused'); never parameters.
    if isinstance(error, sqlalchemy.exc.DBAPIError) and error.orig is not None:
        reason = str(error.orig).strip().splitlines()
        return f"{type(error.orig).__name__}: {reason[0]}" if reason else type(error.orig).__name__
    return type(error).__name__
