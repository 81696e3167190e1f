"""Remembering that a dependency is down, so each request does not pay a timeout to find out again."""

import logging
import time


class OutageGate:
    """Closed while a dependency is known to be down; reopens for a probe after ``retry_after`` seconds.

    Logs one warning when an outage starts and one line when it ends, not one per request.
    """

    def __init__(self, name: str, retry_after: float, logger: logging.Logger, meanwhile: str) -> None:
        self._name = name
        self._meanwhile = meanwhile
        self._retry_after = retry_after
        self._logger = logger
        self._closed_until = 0.0
        self._down = False

    @property
    def retry_after(self) -> float:
        return self._retry_after

    @property
    def down(self) -> bool:
        return self._down

    def is_open(self) -> bool:
        return time.monotonic() >= self._closed_until

    def failed(self, error: BaseException) -> None:
        self._closed_until = time.monotonic() + self._retry_after
        if not self._down:
            self._down = True
            self._logger.warning(
                "%s is unavailable (%s: %s); %s until it is back",
                self._name,
                type(error).__name__,
                error,
                self._meanwhile,
            )

    def succeeded(self) -> None:
        if self._down:
            self._down = False
            self._logger.warning("%s is available again", self._name)
