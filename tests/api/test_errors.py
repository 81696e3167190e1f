"""Whatever arrives, the answer is a problem document with the right status, never a 500."""

import logging
from typing import Any

import asyncpg
import pytest
from dishka import Provider, Scope, provide
from sqlalchemy.dialects.postgresql.asyncpg import AsyncAdapt_asyncpg_dbapi
from sqlalchemy.exc import DBAPIError

from referrals.application.ports.accounts import UserRepository
from referrals.bootstrap.app import create_app
from referrals.bootstrap.config import Settings
from referrals.domain.errors import DomainError
from tests.api.conftest import Api, assert_problem, serving

JSON = {"content-type": "application/json"}


@pytest.mark.parametrize(
    "body",
    [
        b"{not json",
        b"",
        b"[" * 100_000 + b"]" * 100_000,
        b'{"a":' * 50_000 + b"1" + b"}" * 50_000,
        b'{"email": "\xff\xfe@example.com", "password": "correct horse"}',
        b'{"email": "ada\x00@example.com", "password": "correct horse"}',
        b"null",
        b"[]",
        b'"a string"',
    ],
    ids=["malformed", "empty", "nested-arrays", "nested-objects", "invalid-utf8", "nul", "null", "array", "string"],
)
async def test_an_undecodable_or_mistyped_body_is_a_400(api: Api, body: bytes) -> None:
    assert_problem(await api.client.post("/auth/register", content=body, headers=JSON), 400)


async def test_a_nul_inside_a_json_string_is_refused_as_an_invalid_email(api: Api) -> None:
    response = await api.client.post(
        "/auth/register", json={"email": "ada\u0000@example.com", "password": "correct horse"}
    )

    assert_problem(response, 422, "invalid-email")


async def test_a_body_over_the_limit_is_a_413(api: Api) -> None:
    body = b'{"email": "' + b"a" * (1024 * 1024) + b'"}'

    assert_problem(await api.client.post("/auth/register", content=body, headers=JSON), 413)


async def test_an_unknown_route_is_a_404_problem(api: Api) -> None:
    assert_problem(await api.client.get("/no/such/route"), 404)


async def test_a_wrong_method_is_a_405_problem_that_says_what_is_allowed(api: Api) -> None:
    response = await api.client.put("/health")

    assert_problem(response, 405)
    assert "GET" in response.headers["allow"]


async def test_a_very_long_email_in_the_path_is_a_400(api: Api) -> None:
    assert_problem(await api.code_of("a" * 10_000 + "@example.com"), 400)


async def test_health_answers_without_touching_anything(api: Api) -> None:
    response = await api.client.get("/health")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


class RefusalNobodyMapped(DomainError):
    code = "refusal-nobody-mapped"


class ExplodingUsers:
    def __init__(self, error: Exception) -> None:
        self._error = error

    def __getattr__(self, name: str) -> Any:
        async def explode(*_args: object, **_kwargs: object) -> None:
            raise self._error

        return explode


class ExplodingUsersProvider(Provider):
    def __init__(self, error: Exception) -> None:
        super().__init__()
        self._error = error

    @provide(scope=Scope.REQUEST)
    def users(self) -> UserRepository:
        return ExplodingUsers(self._error)


@pytest.mark.parametrize(
    "error",
    [RuntimeError("connection string postgres://secret@db"), RefusalNobodyMapped("postgres://secret@db")],
    ids=["unexpected", "unmapped-refusal"],
)
async def test_an_unexpected_error_or_an_unmapped_refusal_is_a_500_problem_without_internals(
    settings: Settings, caplog: pytest.LogCaptureFixture, error: Exception
) -> None:
    app = create_app(settings, ExplodingUsersProvider(error))
    caplog.set_level(logging.ERROR)

    async with serving(app) as client:
        response = await client.post("/auth/register", json={"email": "ada@example.com", "password": "long enough"})

    problem = assert_problem(response, 500)
    assert "secret" not in response.text
    assert (response.headers["x-content-type-options"], response.headers["cache-control"]) == ("nosniff", "no-store")
    assert problem["instance"].startswith("urn:uuid:")
    assert problem["instance"] in caplog.text
    assert type(error).__name__ in caplog.text


def as_sqlalchemy_raises(error: asyncpg.PostgresError) -> DBAPIError:
    """``error`` as SQLAlchemy's asyncpg dialect hands it on: translated to its DBAPI ``Error``, then wrapped."""
    translated = AsyncAdapt_asyncpg_dbapi.Error(error.args[0], error)  # type: ignore[no-untyped-call]
    if getattr(translated, "sqlstate", None) is None:
        # SQLAlchemy 2.0 sets the server's code on the translated error after building it; 2.1 in its constructor.
        translated.pgcode = translated.sqlstate = error.sqlstate
    wrapped = DBAPIError.instance("UPDATE users SET email = $1", None, translated, AsyncAdapt_asyncpg_dbapi.Error)
    assert isinstance(wrapped, DBAPIError)
    return wrapped


@pytest.mark.parametrize(
    "error",
    [asyncpg.exceptions.SerializationError("could not serialize access"), asyncpg.DeadlockDetectedError("deadlock")],
    ids=["serialization-failure", "deadlock"],
)
async def test_a_transaction_the_database_rolled_back_for_a_race_is_a_503_to_retry(
    settings: Settings, error: asyncpg.PostgresError
) -> None:
    raised = as_sqlalchemy_raises(error)
    assert type(raised) is DBAPIError  # the class the handler meets, not an OperationalError subclass
    app = create_app(settings, ExplodingUsersProvider(raised))

    async with serving(app) as client:
        response = await client.post("/auth/register", json={"email": "ada@example.com", "password": "long enough"})

    assert_problem(response, 503)
    assert int(response.headers["Retry-After"]) > 0


async def test_a_very_long_path_is_a_404_problem(api: Api) -> None:
    assert_problem(await api.client.get("/" + "a/" * 5000), 404)


@pytest.mark.parametrize("local_part_length", [300, 10_000])
async def test_a_too_long_email_in_a_body_is_a_400_naming_the_field(api: Api, local_part_length: int) -> None:
    response = await api.register("a" * local_part_length + "@example.com")

    body = assert_problem(response, 400)
    assert [error["key"] for error in body["errors"]] == ["email"]


@pytest.mark.parametrize(
    ("path", "content_type", "body"),
    [
        ("/auth/register", "text/plain", b"email=ada@example.com"),
        ("/auth/register", "application/x-www-form-urlencoded", b"email=ada%40example.com&password=correct+horse"),
        ("/auth/login", "application/json", b'{"username": "ada@example.com", "password": "correct horse"}'),
        ("/auth/register", "application/xml", b"<email>ada@example.com</email>"),
    ],
    ids=["text-to-json", "form-to-json", "json-to-form", "xml-to-json"],
)
async def test_a_body_in_a_media_type_the_route_does_not_read_is_a_415(
    api: Api, path: str, content_type: str, body: bytes
) -> None:
    response = await api.client.post(path, content=body, headers={"Content-Type": content_type})

    problem = assert_problem(response, 415)
    expected = "application/x-www-form-urlencoded" if path == "/auth/login" else "application/json"
    assert response.headers["Accept-Post"] == expected
    assert expected in problem["detail"]


async def test_json_with_a_charset_or_a_json_suffix_is_read(api: Api) -> None:
    for content_type in ("application/json; charset=utf-8", "application/merge-patch+json"):
        body = b'{"email": "' + content_type[-5:].encode() + b'@example.com", "password": "correct horse"}'
        response = await api.client.post("/auth/register", content=body, headers={"Content-Type": content_type})
        assert response.status_code == 201, response.text
