"""``serve``: the HTTP API with Granian (the default when no subcommand is given)."""

import argparse

from granian import Granian
from granian.constants import Interfaces
from granian.http import HTTP1Settings
from granian.log import LogLevels

from referrals.bootstrap.config import Settings
from referrals.bootstrap.logging import logging_config
from referrals.bootstrap.metrics import empty_multiprocess_directory


def register(subcommands: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    parser = subcommands.add_parser(
        "serve", help="serve the API on HOST:PORT (the default)", description="Serve the API on HOST:PORT."
    )
    parser.set_defaults(run=serve)


def serve(settings: Settings, _arguments: argparse.Namespace) -> int:
    server = settings.server
    empty_multiprocess_directory()  # here, in the main process, before any worker writes to it
    # On SIGTERM or SIGINT Granian stops accepting connections, lets in-flight requests finish, then runs
    # the app's shutdown (which closes the pools) in every worker before it exits. A worker still running
    # after SHUTDOWN_TIMEOUT is killed: one told to stop while it was still starting never stops otherwise.
    Granian(
        "referrals.bootstrap.app:create_app_from_environment",
        factory=True,
        interface=Interfaces.ASGI,
        address=server.host,
        port=server.port,
        workers=server.workers,
        workers_kill_timeout=server.shutdown_timeout,
        # Counted on a kept-alive connection from the end of its previous answer, so this also closes idle
        # connections; a new connection's clock starts at its first byte. Bodies are bounded by the app.
        http1_settings=HTTP1Settings(header_read_timeout=round(server.request_headers_timeout * 1000)),
        log_level=LogLevels(server.log_level.lower()),
        # Applied in the main process and again in every worker; requests are logged by the app itself,
        # with their request ids, so Granian's own access log stays off.
        log_dictconfig=logging_config(server.log_level, server.effective_log_format, server.access_log),
        log_access=False,
    ).serve()
    return 0
