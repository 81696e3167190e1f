"""Every way a forged, stale or misused token can be presented is refused with the same 401."""

import base64
import json
import warnings
from datetime import UTC, datetime, timedelta
from uuid import UUID

import jwt
import pytest
from jwt.warnings import InsecureKeyLengthWarning

from referrals.adapters.security.jwt import JwtAccessTokens
from tests.api.conftest import Account, Api, assert_problem
from tests.conftest import TEST_JWT_SECRET


def encode_segment(value: dict[str, object]) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()


def claims_of(token: str) -> dict[str, object]:
    return jwt.decode(token, options={"verify_signature": False})


def forge(account: Account, kind: str) -> str:
    claims = claims_of(account.access_token)
    now = datetime.now(UTC)
    if kind == "alg-none":
        return f"{encode_segment({'alg': 'none', 'typ': 'JWT'})}.{encode_segment(claims)}."
    if kind == "bad-signature":
        return jwt.encode(claims, "another-secret-that-is-also-long-enough!!", algorithm="HS256")
    if kind == "expired":
        issuer = JwtAccessTokens(TEST_JWT_SECRET, timedelta(minutes=15), "referrals", "referrals-api")
        return issuer.issue(UUID(account.id), now - timedelta(hours=1)).token
    if kind == "wrong-audience":
        return jwt.encode({**claims, "aud": "another-api"}, TEST_JWT_SECRET, algorithm="HS256")
    if kind == "wrong-issuer":
        return jwt.encode({**claims, "iss": "someone-else"}, TEST_JWT_SECRET, algorithm="HS256")
    if kind == "not-an-access-token":
        return jwt.encode({**claims, "token_use": "refresh"}, TEST_JWT_SECRET, algorithm="HS256")
    if kind == "missing-jti":
        return jwt.encode({k: v for k, v in claims.items() if k != "jti"}, TEST_JWT_SECRET, algorithm="HS256")
    if kind == "subject-not-a-uuid":
        return jwt.encode({**claims, "sub": "admin"}, TEST_JWT_SECRET, algorithm="HS256")
    if kind == "hs512":
        # Same key, other algorithm: only the algorithm pin can refuse it.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", InsecureKeyLengthWarning)
            return jwt.encode(claims, TEST_JWT_SECRET, algorithm="HS512")
    if kind == "refresh-token":
        return account.refresh_token
    if kind == "garbage":
        return "not.a.jwt"
    raise AssertionError(kind)


KINDS = [
    "alg-none",
    "bad-signature",
    "expired",
    "wrong-audience",
    "wrong-issuer",
    "not-an-access-token",
    "missing-jti",
    "subject-not-a-uuid",
    "hs512",
    "refresh-token",
    "garbage",
]


@pytest.mark.parametrize("kind", KINDS)
async def test_a_tampered_token_is_refused(api: Api, kind: str) -> None:
    account = await api.account("ada@example.com")
    assert (await api.client.get("/users/me", headers=account.headers)).status_code == 200

    response = await api.client.get("/users/me", headers={"Authorization": f"Bearer {forge(account, kind)}"})

    assert_problem(response, 401, "invalid-access-token")
    assert response.headers["www-authenticate"].startswith("Bearer")


@pytest.mark.parametrize("header", ["", "Bearer", "Bearer ", "Basic dXNlcjpwYXNz", "bearer"])
async def test_a_missing_or_foreign_authorization_scheme_is_refused(api: Api, header: str) -> None:
    assert_problem(await api.client.get("/users/me", headers={"Authorization": header}), 401)


async def test_the_scheme_name_is_case_insensitive(api: Api) -> None:
    account = await api.account("ada@example.com")

    response = await api.client.get("/users/me", headers={"Authorization": f"bEaReR {account.access_token}"})

    assert response.status_code == 200


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/users/me"),
        ("POST", "/auth/logout"),
        ("POST", "/referral-code/create"),
        ("DELETE", "/referral-code/delete"),
        ("GET", "/referrals/00000000-0000-0000-0000-000000000000"),
    ],
)
@pytest.mark.parametrize("authorization", [None, "Bearer garbage"])
async def test_every_protected_route_refuses_without_a_valid_token(
    api: Api, method: str, path: str, authorization: str | None
) -> None:
    headers = {} if authorization is None else {"Authorization": authorization}

    response = await api.client.request(method, path, headers=headers, json={})

    assert_problem(response, 401, "invalid-access-token")


async def test_an_access_token_that_outlives_its_user_is_refused(api: Api) -> None:
    issuer = JwtAccessTokens(TEST_JWT_SECRET, timedelta(minutes=15), "referrals", "referrals-api")
    stranger = issuer.issue(UUID(int=1), datetime.now(UTC)).token

    response = await api.client.get("/users/me", headers={"Authorization": f"Bearer {stranger}"})

    assert_problem(response, 401, "invalid-access-token")
