"""``python -m referrals``: serve the app with the host, port and log level from the settings."""

import logging
import sys

import uvicorn

from referrals.bootstrap.config import SettingsError, load_settings


def main() -> int:
    try:
        settings = load_settings()
    except SettingsError as error:
        print(f"referrals: invalid configuration: {error}", file=sys.stderr)  # noqa: T201
        return 2
    logging.basicConfig(level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    uvicorn.run(
        "referrals.bootstrap.app:create_app_from_environment",
        factory=True,
        host=settings.host,
        port=settings.port,
        log_level=settings.log_level.lower(),
        proxy_headers=False,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
