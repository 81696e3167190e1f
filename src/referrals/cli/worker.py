"""``worker``: the background work (codes expiring, purges, webhook deliveries) without HTTP, until stopped."""

import argparse
import asyncio
import logging
import signal

from referrals.bootstrap.config import Settings

logger = logging.getLogger("referrals.worker")


def register(subcommands: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    parser = subcommands.add_parser(
        "worker",
        help="run the background work (expiring codes, purges, webhook deliveries) without serving HTTP",
        description=(
            "Run the background work without serving HTTP, a tick every BACKGROUND_INTERVAL seconds, until "
            "SIGTERM or SIGINT. Any number may run beside the servers; with BACKGROUND_WORK=false on the "
            "servers, the work is theirs alone."
        ),
    )
    parser.set_defaults(run=work)


def work(settings: Settings, _arguments: argparse.Namespace) -> int:
    # Imported here: every command line parses this module, and the server's main process should not carry
    # the whole application for a subcommand it does not run.
    from referrals.bootstrap.logging import configure_logging  # noqa: PLC0415

    server = settings.server
    configure_logging(server.log_level, server.effective_log_format, access_log=False)
    asyncio.run(_work(settings))
    return 0


async def _work(settings: Settings) -> None:
    from referrals.bootstrap.background import Scheduler  # noqa: PLC0415 - see work
    from referrals.bootstrap.container import make_container  # noqa: PLC0415
    from referrals.bootstrap.webhook_dispatch import WebhookDispatcher  # noqa: PLC0415

    container = make_container(settings)
    scheduler = Scheduler(container, settings.background)
    dispatcher = WebhookDispatcher(container, settings.webhooks)

    def request_stop() -> None:
        scheduler.request_stop()
        dispatcher.request_stop()

    loop = asyncio.get_running_loop()
    for stop_signal in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(stop_signal, request_stop)
    logger.info("Background worker started: a tick every %g s", settings.background.interval)
    try:
        await asyncio.gather(scheduler.run(), dispatcher.run())
        await dispatcher.stop()
    finally:
        await container.close()
    logger.info("Background worker stopped")
