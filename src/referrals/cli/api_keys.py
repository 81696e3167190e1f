"""``api-keys``: create, list and revoke operator API keys."""

import argparse
import sys
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from referrals.application.use_cases.create_api_key import CreateApiKey, IssuedApiKey, NewApiKey
from referrals.application.use_cases.list_api_keys import ListApiKeys
from referrals.application.use_cases.revoke_api_key import RevokeApiKey
from referrals.bootstrap.config import Settings
from referrals.cli.container import run_in_container
from referrals.cli.errors import CommandError
from referrals.cli.groups import help_of
from referrals.domain.api_keys import ApiKey, Scope

if TYPE_CHECKING:
    # Annotations only: dishka is most of a second to import, which ``serve`` and ``--help`` need not pay.
    from dishka import AsyncContainer

SCOPES = ", ".join(scope.value for scope in Scope)
_COLUMNS = ("ID", "NAME", "SCOPES", "CREATED", "LAST USED", "REVOKED")


def register(subcommands: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    parser = subcommands.add_parser(
        "api-keys",
        help="create, list and revoke operator API keys",
        description="Operator API keys, sent as `Authorization: Bearer rk_...` to the operator routes.",
    )
    parser.set_defaults(run=help_of(parser))
    actions = parser.add_subparsers(title="actions", metavar="ACTION")

    create = actions.add_parser(
        "create",
        help="create a key and print it (alone, on stdout)",
        description="Create a key and print it alone on stdout: it is shown this once, only its digest is kept.",
    )
    create.add_argument("--name", required=True, help="1 to 64 characters, unique among the keys in force")
    create.add_argument(
        "--scope",
        action="append",
        required=True,
        metavar="SCOPE",
        dest="scopes",
        help=f"a scope to grant; repeat for several. One of: {SCOPES}",
    )
    create.set_defaults(run=create_key)

    listing = actions.add_parser(
        "list", help="list every key (never the key itself)", description="List every key, revoked ones included."
    )
    listing.set_defaults(run=list_keys)

    revoke = actions.add_parser(
        "revoke",
        help="revoke a key by id or name",
        description="Revoke a key in force. It stops working everywhere within a second.",
    )
    revoke.add_argument("key", metavar="ID_OR_NAME", help="the key's id, or its name")
    revoke.set_defaults(run=revoke_key)


def create_key(settings: Settings, arguments: argparse.Namespace) -> int:
    scopes = frozenset(_scope(text) for text in arguments.scopes)

    async def create(container: "AsyncContainer") -> IssuedApiKey:
        return await (await container.get(CreateApiKey))(NewApiKey(name=arguments.name, scopes=scopes))

    issued = run_in_container(settings, create)
    print(issued.secret)  # noqa: T201 - the one thing on stdout, for a script to capture
    print(  # noqa: T201
        f"created API key {issued.key.name!r} ({issued.key.id}); store it now, it cannot be shown again",
        file=sys.stderr,
    )
    return 0


def list_keys(settings: Settings, _arguments: argparse.Namespace) -> int:
    async def listing(container: "AsyncContainer") -> Sequence[ApiKey]:
        return await (await container.get(ListApiKeys))()

    keys = run_in_container(settings, listing)
    if not keys:
        print("no API keys", file=sys.stderr)  # noqa: T201
        return 0
    print(table([_COLUMNS, *(_row(key) for key in keys)]))  # noqa: T201
    return 0


def revoke_key(settings: Settings, arguments: argparse.Namespace) -> int:
    async def revoke(container: "AsyncContainer") -> ApiKey:
        return await (await container.get(RevokeApiKey))(arguments.key)

    key = run_in_container(settings, revoke)
    print(f"revoked API key {key.name!r} ({key.id})", file=sys.stderr)  # noqa: T201
    return 0


def _scope(text: str) -> Scope:
    try:
        return Scope(text.strip())
    except ValueError:
        msg = f"unknown scope {text!r}; the scopes are {SCOPES}"
        raise CommandError(msg) from None


def _row(key: ApiKey) -> tuple[str, ...]:
    return (
        str(key.id),
        key.name,
        ",".join(sorted(key.scopes)),
        _when(key.created_at),
        _when(key.last_used_at),
        _when(key.revoked_at),
    )


def _when(moment: datetime | None) -> str:
    return "-" if moment is None else moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def table(rows: Sequence[Sequence[str]]) -> str:
    widths = [max(len(row[column]) for row in rows) for column in range(len(rows[0]))]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip() for row in rows
    )
