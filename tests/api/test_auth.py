import unicodedata

import argon2
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import create_async_engine

from tests.api.conftest import PASSWORD, Api, assert_problem


async def test_register_answers_the_new_user_with_a_canonical_email(api: Api) -> None:
    response = await api.register("  Ada.Lovelace@Example.COM ")

    assert response.status_code == 201
    body = response.json()
    assert body["email"] == "ada.lovelace@example.com"
    assert body["referrer_id"] is None
    assert body["created_at"].endswith("Z")
    assert set(body) == {"id", "email", "referrer_id", "created_at"}


@pytest.mark.parametrize("spelling", ["ADA@EXAMPLE.COM", " ada@example.com", "ＡＤＡ@ｅｘａｍｐｌｅ.ｃｏｍ"])
async def test_an_email_can_register_only_once_whatever_its_spelling(api: Api, spelling: str) -> None:
    assert (await api.register("ada@example.com")).status_code == 201

    assert_problem(await api.register(spelling), 409, "email-taken")


async def test_an_implausible_email_is_refused_with_422(api: Api) -> None:
    assert_problem(await api.register("ada@localhost"), 422, "invalid-email")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"email": "ada@example.com", "password": "short"}, "password"),
        ({"email": "ada@example.com", "password": "x" * 129}, "password"),
        ({"email": "ada@example.com"}, "password"),
        ({"password": PASSWORD}, "email"),
        ({"email": 42, "password": PASSWORD}, "email"),
        ({"email": "ada.example.com", "password": PASSWORD}, "email"),
        ({"email": "ada@example@com", "password": PASSWORD}, "email"),
    ],
)
async def test_a_body_off_the_schema_is_refused_with_field_details(
    api: Api, body: dict[str, object], field: str
) -> None:
    problem = assert_problem(await api.client.post("/auth/register", json=body), 400)

    assert field in {error["key"] for error in problem["errors"]}


async def test_a_password_of_any_unicode_is_kept_whole(api: Api) -> None:
    password = "pässwörd-🔑-" + "ü" * 100
    await api.register("ada@example.com", password)

    assert (await api.login("ada@example.com", password)).status_code == 200
    assert (await api.login("ada@example.com", password[:-1])).status_code == 400


async def test_login_answers_a_bearer_pair_that_no_cache_may_keep(api: Api) -> None:
    await api.register("ada@example.com")

    response = await api.login("ADA@example.com", client_id="swagger", client_secret="ignored", scope="")

    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 900
    assert body["access_token"].count(".") == 2
    assert len(body["refresh_token"]) >= 40


async def test_login_with_an_explicit_password_grant(api: Api) -> None:
    await api.register("ada@example.com")
    form = {"grant_type": "password", "username": "ada@example.com", "password": PASSWORD}

    assert (await api.client.post("/auth/login", data=form)).status_code == 200


async def test_wrong_password_and_unknown_email_are_indistinguishable(api: Api) -> None:
    await api.register("ada@example.com")

    wrong_password = await api.login("ada@example.com", "not the password")
    unknown_email = await api.login("nobody@example.com")

    # RFC 6749 §5.2: a refused grant is a 400 invalid_grant.
    assert assert_problem(wrong_password, 400, "invalid-credentials")["error"] == "invalid_grant"
    assert wrong_password.json() == unknown_email.json()
    assert wrong_password.headers.keys() == unknown_email.headers.keys()


@pytest.mark.parametrize(
    ("form", "fields"),
    [
        ({"grant_type": "client_credentials"}, ["grant_type"]),
        ({"grant_type": "password", "username": "ada@example.com"}, ["password"]),
        ({"username": "", "password": ""}, ["username", "password"]),
        ({"grant_type": "refresh_token", "username": "ada@example.com"}, ["refresh_token"]),
    ],
)
async def test_an_incomplete_or_unsupported_grant_is_a_400_naming_the_fields(
    api: Api, form: dict[str, str], fields: list[str]
) -> None:
    problem = assert_problem(await api.client.post("/auth/login", data=form), 400)

    assert [error["key"] for error in problem["errors"]] == fields


async def test_the_refresh_grant_rotates_through_the_token_endpoint(api: Api) -> None:
    account = await api.account("ada@example.com")
    form = {"grant_type": "refresh_token", "refresh_token": account.refresh_token}

    first = await api.client.post("/auth/login", data=form)
    replay = await api.client.post("/auth/login", data=form)

    assert first.status_code == 200
    assert first.json()["refresh_token"] != account.refresh_token
    assert assert_problem(replay, 400, "invalid-refresh-token")["error"] == "invalid_grant"


async def test_refresh_rotates_and_a_replay_revokes_the_whole_chain(api: Api) -> None:
    account = await api.account("ada@example.com")

    rotated = await api.client.post("/auth/refresh", json={"refresh_token": account.refresh_token})
    assert rotated.status_code == 200
    assert rotated.headers["cache-control"] == "no-store"
    newest = rotated.json()["refresh_token"]

    replay = await api.client.post("/auth/refresh", json={"refresh_token": account.refresh_token})
    assert_problem(replay, 401, "invalid-refresh-token")
    # The replay proves the chain leaked: its newest link dies too.
    assert_problem(await api.client.post("/auth/refresh", json={"refresh_token": newest}), 401)


async def test_an_access_token_outlives_the_revocation_of_its_chain(api: Api) -> None:
    account = await api.account("ada@example.com")
    await api.client.post("/auth/refresh", json={"refresh_token": account.refresh_token})
    await api.client.post("/auth/refresh", json={"refresh_token": account.refresh_token})

    assert (await api.client.get("/users/me", headers=account.headers)).status_code == 200


async def test_refresh_with_an_unknown_token_is_a_401(api: Api) -> None:
    assert_problem(await api.client.post("/auth/refresh", json={"refresh_token": "made-up"}), 401)


async def test_logout_revokes_the_refresh_token(api: Api) -> None:
    account = await api.account("ada@example.com")

    response = await api.client.post(
        "/auth/logout", json={"refresh_token": account.refresh_token}, headers=account.headers
    )

    assert response.status_code == 204
    assert_problem(await api.client.post("/auth/refresh", json={"refresh_token": account.refresh_token}), 401)


async def test_logout_cannot_revoke_someone_elses_session(api: Api) -> None:
    ada = await api.account("ada@example.com")
    eve = await api.account("eve@example.com")

    response = await api.client.post("/auth/logout", json={"refresh_token": ada.refresh_token}, headers=eve.headers)

    assert response.status_code == 204
    assert (await api.client.post("/auth/refresh", json={"refresh_token": ada.refresh_token})).status_code == 200


async def test_logout_refuses_without_a_token_before_reading_the_body(api: Api) -> None:
    response = await api.client.post("/auth/logout", content=b"{not json", headers={"content-type": "application/json"})

    assert_problem(response, 401, "invalid-access-token")
    assert response.headers["www-authenticate"].startswith("Bearer")


async def test_me_answers_the_callers_profile(api: Api) -> None:
    account = await api.account("ada@example.com")

    response = await api.client.get("/users/me", headers=account.headers)

    assert response.status_code == 200
    assert response.json() == {
        "id": account.id,
        "email": "ada@example.com",
        "referrer_id": None,
        "created_at": response.json()["created_at"],
        "profile": None,
    }


async def test_a_password_is_one_password_however_its_accents_are_composed(api: Api) -> None:
    composed = "café crème brûlée"
    await api.account("ada@example.com", password=composed)

    response = await api.login("ada@example.com", unicodedata.normalize("NFD", composed))

    assert response.status_code == 200, response.text


async def test_a_hash_made_of_the_password_as_typed_still_logs_in_and_is_replaced(api: Api, database_url: str) -> None:
    # Accounts from before passwords were normalised hold a hash of the password exactly as it was typed.
    typed = unicodedata.normalize("NFD", "café crème brûlée")
    await api.account("ada@example.com")
    legacy_hash = argon2.PasswordHasher(time_cost=1, memory_cost=64, parallelism=1).hash(typed)
    engine = create_async_engine(database_url)
    try:
        async with engine.begin() as connection:
            await connection.execute(sa.text("UPDATE users SET password_hash = :hash"), {"hash": legacy_hash})

        logged_in = await api.login("ada@example.com", typed)
        async with engine.connect() as connection:
            stored = (await connection.execute(sa.text("SELECT password_hash FROM users"))).scalar_one()
    finally:
        await engine.dispose()

    assert logged_in.status_code == 200, logged_in.text
    assert stored != legacy_hash
    assert (await api.login("ada@example.com", unicodedata.normalize("NFC", typed))).status_code == 200
