"""``Idempotency-Key`` on the routes that create or change something (the IETF httpapi draft's rules).

The key belongs to its caller (the user, the API key, or on anonymous routes the client together with the
request's fingerprint) and is kept 24 hours. The first request runs, and its answer is stored in the
transaction of its effect; the same key with the same request again gets that answer, marked
``Idempotent-Replayed: true``; with another request, 422 ``idempotency-key-reused``; while the first still runs
in this process, 409 ``idempotency-key-in-flight`` with ``Retry-After`` (a copy that another process runs at
the same time is answered, once the first commits, with its answer). A 5xx is not stored: the retry runs again.
"""

import contextlib
import hashlib
from collections.abc import Awaitable, Callable
from http import HTTPStatus
from typing import Annotated, Any, Final

from litestar import MediaType, Request, Response
from litestar.handlers import HTTPRouteHandler
from litestar.params import HeaderParameter
from litestar.serialization import default_serializer

from referrals.api.auth import caller_id
from referrals.api.clients import ClientIdentity
from referrals.api.errors import on_refusal
from referrals.api.injection import app_container
from referrals.api.operator_auth import operator_key
from referrals.application.errors import ApplicationError
from referrals.application.idempotency import (
    AnsweredMeanwhile,
    IdempotencyKeyInFlight,
    IdempotencyKeyReused,
    IdempotentRequests,
)
from referrals.application.ports.idempotency import StoredAnswer
from referrals.domain.errors import DomainError

AnyRequest = Request[Any, Any, Any]
KEY_HEADER: Final = "Idempotency-Key"
IdempotencyKey = Annotated[
    str | None,
    HeaderParameter(
        name=KEY_HEADER,
        min_length=1,
        max_length=255,
        pattern=r"^[\x20-\x7E]+$",
        description="Send a retry with the same key to have it answered as the first was, and done once "
        "(1-255 printable ASCII characters; kept 24 hours).",
        required=False,
    ),
]
REPLAYED: Final = "Idempotent-Replayed"
# The answer's headers a replay repeats; the rest (request id, security headers) belong to each answer.
_REPLAYED_HEADERS: Final = frozenset({"location", "retry-after", "www-authenticate"})


Owner = Callable[[AnyRequest, str], Awaitable[str]]


async def user_owner(request: AnyRequest, _fingerprint: str) -> str:
    return f"user:{caller_id(request)}"


async def key_owner(request: AnyRequest, _fingerprint: str) -> str:
    return f"key:{operator_key(request).key_id}"


async def client_owner(request: AnyRequest, fingerprint: str) -> str:
    # Anonymous callers share addresses (a NAT, a proxy), so the request itself is part of whose key it is.
    clients = await app_container(request).get(ClientIdentity)
    return f"client:{hashlib.sha256(f'{clients.of(request.scope)} {fingerprint}'.encode()).hexdigest()}"


async def fingerprint_of(request: AnyRequest) -> str:
    digest = hashlib.sha256(f"{request.method} {request.url.path}?{request.url.query}\n".encode())
    digest.update(await request.body())
    return digest.hexdigest()


async def answer_once(
    request: AnyRequest,
    key: str | None,
    requests: IdempotentRequests,
    owner: Owner,
    run: Callable[[], Awaitable[Any]],
) -> Response[Any]:
    """The answer to a request with ``key``: run once, replayed after. ``run`` does the request's work and
    returns what the handler would (a Response, or content for the route's status)."""
    if key is None:
        return _as_response(request, await run())
    fingerprint = await fingerprint_of(request)
    whose = await owner(request, fingerprint)
    try:
        async with requests.handling(whose, key, fingerprint):
            response = _as_response(request, await run())
            answer = _stored(response)
            await requests.answered(whose, key, fingerprint, answer)
    except AnsweredMeanwhile:
        return _replay(await requests.replay(whose, key, fingerprint))
    except (IdempotencyKeyReused, IdempotencyKeyInFlight):
        raise
    except (DomainError, ApplicationError) as refusal:
        refused = on_refusal(request, refusal)
        if refused.status_code is None or refused.status_code >= HTTPStatus.INTERNAL_SERVER_ERROR:
            kept = await requests.kept(whose, key, fingerprint)
            return refused if kept is None else _replay(kept)
        refusal_answer = _stored(refused)
        answered_first = await requests.refused(whose, key, fingerprint, refusal_answer)
        return _fresh(refusal_answer) if answered_first is None else _replay(answered_first)
    except Exception:
        # A retry of a request answered before: its answer, whatever failed this time.
        with contextlib.suppress(Exception):
            if (kept := await requests.kept(whose, key, fingerprint)) is not None:
                return _replay(kept)
        raise
    return _fresh(answer, response)


def _as_response(request: AnyRequest, result: Any) -> Response[Any]:
    if isinstance(result, Response):
        return result
    handler = request.route_handler
    status = handler.status_code if isinstance(handler, HTTPRouteHandler) else None
    return Response(result, status_code=status or HTTPStatus.OK)


def _stored(response: Response[Any]) -> StoredAnswer:
    media_type = response.media_type if isinstance(response.media_type, str) else MediaType.JSON.value
    body = response.render(response.content, media_type, default_serializer)
    headers = {name: value for name, value in response.headers.items() if name.lower() in _REPLAYED_HEADERS}
    return StoredAnswer(status=response.status_code or HTTPStatus.OK, body=body, media_type=media_type, headers=headers)


def _fresh(answer: StoredAnswer, original: Response[Any] | None = None) -> Response[bytes]:
    """The first answer, as the bytes stored: a replay repeats it exactly. Work it scheduled still runs."""
    return Response(
        answer.body,
        status_code=answer.status,
        media_type=answer.media_type,
        headers=dict(answer.headers),
        background=None if original is None else original.background,
    )


def _replay(answer: StoredAnswer) -> Response[bytes]:
    return Response(
        answer.body,
        status_code=answer.status,
        media_type=answer.media_type,
        headers={**answer.headers, REPLAYED: "true"},
    )
