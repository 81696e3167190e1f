"""``python -m referrals``: serve the app with the host, port and log level from the settings."""

import sys

import uvicorn

from referrals.bootstrap.config import SettingsError, load_settings
from referrals.bootstrap.logging import configure_logging


def main() -> int:
    try:
        settings = load_settings()
    except SettingsError as error:
        print(f"referrals: invalid configuration: {error}", file=sys.stderr)  # noqa: T201
        return 2
    configure_logging(settings.log_level, settings.effective_log_format, access_log=settings.access_log)
    uvicorn.run(
        "referrals.bootstrap.app:create_app_from_environment",
        factory=True,
        host=settings.host,
        port=settings.port,
        log_level=settings.log_level.lower(),
        # Logging is configured above; requests are logged by the app, with their request ids.
        log_config=None,
        access_log=False,
        proxy_headers=False,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
