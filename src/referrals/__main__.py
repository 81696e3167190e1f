"""``python -m referrals``: serve the app with Granian, configured from the validated settings."""

import sys
from typing import Any

from granian import Granian
from granian.constants import Interfaces
from granian.log import LogLevels

from referrals.bootstrap.config import SettingsError, load_settings

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def logging_config(level: str) -> dict[str, Any]:
    """One stderr handler for the app and the server alike.

    Granian applies this in its main process and again in every worker, so workers log the same way
    whether they were forked or spawned.
    """
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"plain": {"format": LOG_FORMAT}},
        "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "plain", "stream": "ext://sys.stderr"}},
        "root": {"handlers": ["stderr"], "level": level},
        "loggers": {
            "_granian": {"handlers": [], "propagate": True},
            "granian.access": {"handlers": [], "propagate": True},
        },
    }


def main() -> int:
    try:
        settings = load_settings()
    except SettingsError as error:
        print(f"referrals: invalid configuration: {error}", file=sys.stderr)  # noqa: T201
        return 2
    # On SIGTERM or SIGINT Granian stops accepting connections, lets in-flight requests finish, then runs
    # the app's shutdown (which closes the pools) in every worker before it exits. A worker still running
    # after SHUTDOWN_TIMEOUT is killed: one told to stop while it was still starting never stops otherwise.
    Granian(
        "referrals.bootstrap.app:create_app_from_environment",
        factory=True,
        interface=Interfaces.ASGI,
        address=settings.host,
        port=settings.port,
        workers=settings.workers,
        workers_kill_timeout=settings.shutdown_timeout,
        log_level=LogLevels(settings.log_level.lower()),
        log_dictconfig=logging_config(settings.log_level),
    ).serve()
    return 0


if __name__ == "__main__":
    sys.exit(main())
