import json
import logging
import sys

from referrals.api.request_context import current_request_id
from referrals.bootstrap.logging import JsonFormatter, RequestIdFilter, logging_config


def record(message: str, **extra: object) -> logging.LogRecord:
    entry = logging.makeLogRecord({"name": "referrals.test", "levelname": "INFO", "msg": message, **extra})
    RequestIdFilter().filter(entry)
    return entry


def test_a_json_line_has_the_essentials_and_the_extras() -> None:
    token = current_request_id.set("abc123")
    try:
        line = JsonFormatter().format(record("hello %s", args=("world",), status=201))
    finally:
        current_request_id.reset(token)

    entry = json.loads(line)
    assert entry["message"] == "hello world"
    assert entry["request_id"] == "abc123"
    assert entry["level"] == "INFO"
    assert entry["logger"] == "referrals.test"
    assert entry["status"] == 201
    assert entry["time"].endswith("+00:00")


def test_outside_a_request_the_id_is_a_dash() -> None:
    assert json.loads(JsonFormatter().format(record("idle")))["request_id"] == "-"


def test_an_exception_is_one_json_value() -> None:
    try:
        raise ValueError("boom")  # noqa: TRY301
    except ValueError:
        entry = record("failed", exc_info=sys.exc_info())

    line = JsonFormatter().format(entry)

    assert "\n" not in line
    assert "ValueError: boom" in json.loads(line)["exception"]


def test_httpx_request_lines_which_carry_api_keys_are_kept_out() -> None:
    for log_format in ("json", "text"):
        assert logging_config("DEBUG", log_format)["loggers"]["httpx"]["level"] == "WARNING"
