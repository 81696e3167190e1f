"""Commands with actions (``api-keys create``): the group alone shows its help."""

import argparse
import sys
from collections.abc import Callable

from referrals.bootstrap.config import Settings


def help_of(parser: argparse.ArgumentParser) -> Callable[[Settings, argparse.Namespace], int]:
    """The ``run`` of a group given no action: its help on stderr, and the exit code of a usage error."""

    def run(_settings: Settings, _arguments: argparse.Namespace) -> int:
        parser.print_help(sys.stderr)
        return 2

    return run
