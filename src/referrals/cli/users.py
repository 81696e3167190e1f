"""``users``: what an operator does to an account."""

import argparse
import sys
from typing import TYPE_CHECKING

from referrals.application.use_cases.revoke_user_sessions import RevokeUserSessions
from referrals.bootstrap.config import Settings
from referrals.cli.container import run_in_container
from referrals.cli.groups import help_of

if TYPE_CHECKING:
    # Annotations only: dishka is most of a second to import, which ``serve`` and ``--help`` need not pay.
    from dishka import AsyncContainer


def register(subcommands: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    parser = subcommands.add_parser("users", help="act on user accounts", description="Act on user accounts.")
    parser.set_defaults(run=help_of(parser))
    actions = parser.add_subparsers(title="actions", metavar="ACTION")
    revoke = actions.add_parser(
        "revoke-sessions",
        help="log an account out everywhere",
        description="Revoke every refresh token of the account, so each of its sessions must log in again. "
        "Access tokens already issued last until they expire (ACCESS_TOKEN_TTL).",
    )
    revoke.add_argument("email", metavar="EMAIL", help="the account's email address")
    revoke.set_defaults(run=revoke_sessions)


def revoke_sessions(settings: Settings, arguments: argparse.Namespace) -> int:
    async def revoke(container: "AsyncContainer") -> int:
        return await (await container.get(RevokeUserSessions))(arguments.email)

    revoked = run_in_container(settings, revoke)
    # The email is not repeated: the operator typed it, and output like this ends up in logs.
    print(f"revoked {revoked} refresh token{'s' if revoked != 1 else ''} of the account", file=sys.stderr)  # noqa: T201
    return 0
