import argparse
import sys
from collections.abc import Callable, Sequence
from types import ModuleType
from typing import NoReturn, TypeAlias

from referrals.bootstrap.config import Settings, SettingsError, load_settings
from referrals.cli import api_keys, serve, tallies, tokens, users, worker
from referrals.cli.errors import CommandError

Command: TypeAlias = Callable[[Settings, argparse.Namespace], int]

# Each module adds its subcommand.
SUBCOMMANDS: Sequence[ModuleType] = (serve, worker, api_keys, users, tokens, tallies)


class _Parser(argparse.ArgumentParser):
    """Usage errors in one line, like every other error of the command line (``--help`` shows the usage)."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: {message} (see --help)\n")


def parser() -> argparse.ArgumentParser:
    root = _Parser(
        prog="python -m referrals",
        description="The referral service. Settings come from the environment and .env, as for the server.",
    )
    subcommands = root.add_subparsers(title="commands", metavar="COMMAND")
    for module in SUBCOMMANDS:
        module.register(subcommands)
    # A bare ``python -m referrals`` serves, as it always has (and as ``make run`` does).
    root.set_defaults(run=serve.serve)
    return root


def main(argv: Sequence[str] | None = None) -> int:
    arguments = parser().parse_args(argv)
    try:
        settings = load_settings()
    except SettingsError as error:
        print(f"referrals: invalid configuration: {error}", file=sys.stderr)  # noqa: T201
        return 2
    run: Command = arguments.run
    try:
        return run(settings, arguments)
    except CommandError as error:
        print(f"referrals: {error}", file=sys.stderr)  # noqa: T201
        return 1
