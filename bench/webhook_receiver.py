"""The webhook benchmark's receiver: a bare Litestar app that verifies every delivery with the Standard
Webhooks library and notes when each arrived, served by Granian in a process of its own."""

import os
import time
from typing import Any

from litestar import Litestar, Request, get, post
from litestar.exceptions import HTTPException
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

_verifier = Webhook(os.environ["BENCH_WEBHOOK_SECRET"])
# Each verified delivery: the delivered event's subject (a key's name) and the wall-clock second it arrived.
_arrivals: list[tuple[str, float]] = []
_seen: set[str] = set()


@post("/hooks", status_code=204)
async def receive(request: Request[Any, Any, Any]) -> None:
    body = await request.body()
    try:
        payload = _verifier.verify(body, dict(request.headers))
    except WebhookVerificationError:
        raise HTTPException(status_code=400, detail="bad signature") from None
    message_id = request.headers["webhook-id"]
    if message_id not in _seen:  # at least once: a receiver deduplicates
        _seen.add(message_id)
        _arrivals.append((payload["data"]["name"], time.time()))


@get("/arrivals")
async def arrivals() -> list[tuple[str, float]]:
    return _arrivals


@get("/count")
async def count() -> int:
    return len(_arrivals)


@get("/health")
async def health() -> dict[str, str]:
    return {"status": "ok"}


app = Litestar(route_handlers=[receive, arrivals, count, health])
