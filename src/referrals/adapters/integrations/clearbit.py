"""Profile enrichment with Clearbit's (now HubSpot's) person API; any provider can stand behind the port."""

import httpx
import msgspec

from referrals.adapters.integrations.metrics import calls
from referrals.application.errors import ProviderUnavailable
from referrals.application.ports.accounts import ProfileEnricher
from referrals.domain.user import Profile

MAX_FIELD_LENGTH = 255


class _Name(msgspec.Struct):
    fullName: str | None = None  # noqa: N815 - the provider's spelling


class _Employment(msgspec.Struct):
    name: str | None = None
    title: str | None = None


class _Person(msgspec.Struct):
    name: _Name | None = None
    employment: _Employment | None = None
    location: str | None = None
    avatar: str | None = None


class _Combined(msgspec.Struct):
    person: _Person | None = None


_combined = msgspec.json.Decoder(_Combined)


class ClearbitProfileEnricher(ProfileEnricher):
    """``GET {base}/v2/combined/find?email=…`` with the key as the basic-auth user name."""

    source = "clearbit"

    def __init__(self, client: httpx.AsyncClient, base_url: str, api_key: str) -> None:
        self._client = client
        self._url = f"{base_url.rstrip('/')}/v2/combined/find"
        self._auth = httpx.BasicAuth(api_key, "")

    async def enrich(self, email: str) -> Profile | None:
        try:
            response = await self._client.get(self._url, params={"email": email}, auth=self._auth)
        except httpx.HTTPError as error:
            calls.labels("clearbit", "unreachable").inc()
            msg = f"Clearbit is unreachable ({type(error).__name__})"
            raise ProviderUnavailable(msg) from None
        if response.status_code in {httpx.codes.ACCEPTED, httpx.codes.NOT_FOUND}:
            # 202: looked up asynchronously, not ready yet; 404: nobody known by that email.
            calls.labels("clearbit", f"http-{response.status_code}").inc()
            return None
        if response.status_code != httpx.codes.OK:
            calls.labels("clearbit", f"http-{response.status_code}").inc()
            msg = f"Clearbit answered {response.status_code}"
            raise ProviderUnavailable(msg)
        try:
            person = _combined.decode(response.content).person
        except (msgspec.DecodeError, msgspec.ValidationError):
            calls.labels("clearbit", "malformed").inc()
            msg = "Clearbit answered something that is not a person"
            raise ProviderUnavailable(msg) from None
        calls.labels("clearbit", "profile" if person else "empty").inc()
        return None if person is None else _profile(person)


def _profile(person: _Person) -> Profile:
    employment = person.employment or _Employment()
    return Profile(
        full_name=_clip(person.name.fullName if person.name else None),
        company=_clip(employment.name),
        title=_clip(employment.title),
        location=_clip(person.location),
        avatar_url=_clip(person.avatar if person.avatar and person.avatar.startswith("https://") else None),
    )


def _clip(value: str | None) -> str | None:
    return None if not value else value[:MAX_FIELD_LENGTH]
