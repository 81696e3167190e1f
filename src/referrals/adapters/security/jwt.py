"""Access tokens: short-lived HS256 JWTs that say nothing but who and until when."""

from datetime import datetime, timedelta
from uuid import UUID, uuid4

import jwt

from referrals.application.errors import InvalidAccessToken
from referrals.application.ports.accounts import AccessTokens, IssuedAccessToken

ALGORITHM = "HS256"
REQUIRED_CLAIMS = ["exp", "iat", "sub", "iss", "aud", "jti", "token_use"]
# A distinct claim, so no other token signed with the same key (a refresh token, a future one) passes as access.
TOKEN_USE = "access"  # noqa: S105 - a claim value, not a secret
MIN_SECRET_BYTES = 32


class JwtAccessTokens(AccessTokens):
    def __init__(self, secret: str, ttl: timedelta, issuer: str, audience: str) -> None:
        if len(secret.encode()) < MIN_SECRET_BYTES:
            msg = f"the JWT secret must be at least {MIN_SECRET_BYTES} bytes"
            raise ValueError(msg)
        self._secret = secret
        self._ttl = ttl
        self._issuer = issuer
        self._audience = audience

    def issue(self, user_id: UUID, now: datetime) -> IssuedAccessToken:
        claims = {
            "sub": str(user_id),
            "iat": int(now.timestamp()),
            "exp": int((now + self._ttl).timestamp()),
            "iss": self._issuer,
            "aud": self._audience,
            "jti": uuid4().hex,
            "token_use": TOKEN_USE,
        }
        token = jwt.encode(claims, self._secret, algorithm=ALGORITHM)
        return IssuedAccessToken(token=token, expires_in=int(self._ttl.total_seconds()))

    def verify(self, token: str) -> UUID:
        try:
            claims = jwt.decode(
                token,
                self._secret,
                algorithms=[ALGORITHM],
                audience=self._audience,
                issuer=self._issuer,
                options={"require": REQUIRED_CLAIMS},
            )
            if claims["token_use"] != TOKEN_USE:
                raise InvalidAccessToken
            return UUID(claims["sub"])
        except (jwt.PyJWTError, ValueError, TypeError) as error:
            raise InvalidAccessToken from error
