"""Email verification with Hunter's v2 email-verifier API."""

import asyncio

import httpx
import msgspec

from referrals.adapters.integrations.metrics import calls
from referrals.application.errors import ProviderUnavailable
from referrals.application.ports.accounts import EmailVerdict, EmailVerifier

# Hunter answers 202 while it is still verifying; asking again shortly usually gets the verdict.
STILL_VERIFYING_RETRY_DELAY = 0.25
MAX_ATTEMPTS = 4


class _Verification(msgspec.Struct):
    status: str


class _Answer(msgspec.Struct):
    data: _Verification


_decoder = msgspec.json.Decoder(_Answer)


class HunterEmailVerifier(EmailVerifier):
    """Errors name the status or failure, never the URL: Hunter takes the API key in the query string."""

    def __init__(self, client: httpx.AsyncClient, base_url: str, api_key: str) -> None:
        self._client = client
        self._url = f"{base_url.rstrip('/')}/v2/email-verifier"
        self._api_key = api_key

    async def verify(self, email: str) -> EmailVerdict:
        for _ in range(MAX_ATTEMPTS):
            response = await self._get(email)
            if response.status_code == httpx.codes.ACCEPTED:
                calls.labels("hunter", "still-verifying").inc()
                await asyncio.sleep(STILL_VERIFYING_RETRY_DELAY)
                continue
            return self._verdict(response)
        calls.labels("hunter", "gave-up").inc()
        msg = "Hunter was still verifying after several attempts"
        raise ProviderUnavailable(msg)

    async def _get(self, email: str) -> httpx.Response:
        try:
            return await self._client.get(self._url, params={"email": email, "api_key": self._api_key})
        except httpx.HTTPError as error:
            calls.labels("hunter", "unreachable").inc()
            msg = f"Hunter is unreachable ({type(error).__name__})"
            raise ProviderUnavailable(msg) from None

    def _verdict(self, response: httpx.Response) -> EmailVerdict:
        if response.status_code != httpx.codes.OK:
            calls.labels("hunter", f"http-{response.status_code}").inc()
            retry_after = response.headers.get("retry-after")
            hint = f", retry after {retry_after} s" if retry_after else ""
            msg = f"Hunter answered {response.status_code}{hint}"
            raise ProviderUnavailable(msg)
        try:
            status = _decoder.decode(response.content).data.status
        except (msgspec.DecodeError, msgspec.ValidationError):
            calls.labels("hunter", "malformed").inc()
            msg = "Hunter answered something that is not a verification"
            raise ProviderUnavailable(msg) from None
        calls.labels("hunter", "verdict").inc()
        try:
            return EmailVerdict(status)
        except ValueError:
            return EmailVerdict.UNKNOWN
