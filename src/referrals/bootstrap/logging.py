"""Process-wide logging: JSON lines in production, readable lines in development, a request id on each."""

import logging
import logging.config
from datetime import UTC, datetime
from typing import Any, Literal

import msgspec

from referrals.api.request_context import current_request_id

# Attributes every LogRecord has; anything else on a record came from ``extra=`` and is worth printing.
_STANDARD_ATTRIBUTES = frozenset(logging.makeLogRecord({}).__dict__) | {"message", "asctime", "request_id"}


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = current_request_id.get() or "-"
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", "-"),
        }
        entry.update({key: value for key, value in record.__dict__.items() if key not in _STANDARD_ATTRIBUTES})
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return msgspec.json.encode(entry, enc_hook=str).decode()


TEXT_FORMAT = "%(asctime)s %(levelname)-7s %(name)s [%(request_id)s] %(message)s"


def logging_config(level: str, log_format: Literal["json", "text"], access_log: bool = True) -> dict[str, Any]:
    """A ``logging.config.dictConfig`` for the whole process: one stderr handler that the app and the
    server share, so server lines get the same format and, while serving, the same request id."""
    formatter: dict[str, Any] = {"()": JsonFormatter} if log_format == "json" else {"format": TEXT_FORMAT}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": RequestIdFilter}},
        "formatters": {"default": formatter},
        "handlers": {
            "stderr": {
                "class": "logging.StreamHandler",
                "formatter": "default",
                "filters": ["request_id"],
                "stream": "ext://sys.stderr",
            }
        },
        "root": {"handlers": ["stderr"], "level": level},
        "loggers": {
            "referrals.access": {"level": "NOTSET" if access_log else "WARNING"},
            # httpx logs each request's full URL at INFO, and Hunter's carries the API key in its query.
            "httpx": {"level": "WARNING"},
            **{name: {"handlers": [], "propagate": True} for name in ("_granian", "granian.access", "uvicorn")},
        },
    }


def configure_logging(level: str, log_format: Literal["json", "text"], *, access_log: bool = True) -> None:
    logging.config.dictConfig(logging_config(level, log_format, access_log))
