"""``tokens``: administering refresh tokens."""

import argparse
import asyncio

from referrals.bootstrap.config import Settings
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
    # Imported here: every command line parses this module, and the server's main process should not carry
    # the whole application for a subcommand it does not run.
    import sqlalchemy.exc  # noqa: PLC0415

    from referrals.application.ports.common import Clock  # noqa: PLC0415
    from referrals.application.use_cases.purge_refresh_tokens import PurgeRefreshTokens  # noqa: PLC0415
    from referrals.bootstrap.container import make_container  # noqa: PLC0415

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
    # The driver's error and its first line ('no such table: ...', 'connection refused'); statements are
    # logged without their parameters, and only the first line is taken, so no row's values are shown.
    cause = getattr(error, "orig", None) or error
    reason = str(cause).strip().splitlines()
    return f"{type(cause).__name__}: {reason[0]}" if reason else type(cause).__name__
