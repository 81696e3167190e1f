"""``python -m referrals``: serve the app with Granian, configured from the validated settings."""

import os
import sys
from typing import Final

from granian import Granian
from granian.constants import Interfaces
from granian.http import HTTP1Settings
from granian.log import LogLevels

from referrals.bootstrap.config import SettingsError, load_settings
from referrals.bootstrap.logging import logging_config
from referrals.bootstrap.metrics import empty_multiprocess_directory

# glibc gives each thread that allocates a malloc arena of its own and keeps what argon2 frees there: 19 MiB
# per hashing thread, resident for good, out of malloc_trim's reach. In the one main arena, the hasher hands
# it back whenever no hash is pending, at no measurable cost to the hash rate. glibc reads this when a
# process starts, so the server re-executes itself once with it set (an operator's own value stands).
MALLOC_ARENAS: Final = "1"


def main() -> int:
    if "MALLOC_ARENA_MAX" not in os.environ:
        os.environ["MALLOC_ARENA_MAX"] = MALLOC_ARENAS
        os.execv(sys.executable, sys.orig_argv)  # noqa: S606 - the same command line, in a fresh process
    try:
        server = load_settings().server
    except SettingsError as error:
        print(f"referrals: invalid configuration: {error}", file=sys.stderr)  # noqa: T201
        return 2
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


if __name__ == "__main__":
    sys.exit(main())
