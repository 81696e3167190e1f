"""``tallies``: the referrers' tallies the stats read."""

import argparse
from typing import TYPE_CHECKING

from referrals.bootstrap.config import Settings
from referrals.cli.container import run_in_container

if TYPE_CHECKING:
    from dishka import AsyncContainer


def register(subcommands: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    parser = subcommands.add_parser(
        "tallies",
        help="administer the referrers' tallies",
        description="Administer the referrers' tallies, the counts and sums the stats read.",
    )
    actions = parser.add_subparsers(title="actions", metavar="ACTION", required=True)
    recount = actions.add_parser(
        "recount",
        help="count every referrer's tallies again from the referrals and rewards",
        description=(
            "Count every referrer's referrals by state and rewards by currency and state again, from the "
            "referrals and rewards themselves, in one transaction, and print how many referrers have a tally on "
            "standard output. The service keeps the tallies as it changes referrals and rewards; run this after "
            "those tables were changed any other way. Writers wait for it on PostgreSQL; it is safe while the "
            "service runs."
        ),
    )
    recount.set_defaults(run=recount_tallies)


def recount_tallies(settings: Settings, _arguments: argparse.Namespace) -> int:
    # Imported here: every command line parses this module, and the server's main process should not carry
    # the whole application for a subcommand it does not run.
    from referrals.application.use_cases.recount_tallies import RecountTallies  # noqa: PLC0415

    async def recount(container: "AsyncContainer") -> int:
        return await (await container.get(RecountTallies))()

    referrers = run_in_container(settings, recount)
    print(f"tallies counted again, referrers with one: {referrers}")  # noqa: T201 - the command's answer
    return 0
