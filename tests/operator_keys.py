"""Operator API keys for tests, issued through the app's own container as the CLI issues them."""

from uuid import uuid4

from litestar import Litestar

from referrals.api.injection import container_of
from referrals.application.use_cases.create_api_key import CreateApiKey, NewApiKey
from referrals.domain.api_keys import Scope


async def issue_api_key(app: Litestar, *scopes: Scope, name: str | None = None) -> str:
    """A new key in force with ``scopes`` (named uniquely unless ``name`` is given); returns the raw key."""
    async with container_of(app)() as request_scope:
        create = await request_scope.get(CreateApiKey)
        issued = await create(NewApiKey(name=name or f"test-{uuid4().hex[:12]}", scopes=frozenset(scopes)))
    return issued.secret


def key_headers(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}
