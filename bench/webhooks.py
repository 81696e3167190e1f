"""Webhook delivery, measured against a loopback receiver (``webhook_receiver.py``, Granian, one process).

    python bench/webhooks.py [--backlog 3000] [--rate 100] [--seconds 20] [--rounds 3]

1. baseline: this process POSTs signed bodies to the receiver through the service's own transport, with the
   service's concurrency, and no outbox: how fast deliveries could go at best;
2. throughput: a backlog of events is committed first (``api_key.created``), then one dispatcher, as a
   server runs it, turns them into verified deliveries: deliveries per second, against the baseline just
   before; 1 and 2 alternate ``--rounds`` times (3), and the median ratio is the figure;
3. lag: events committed at a steady rate while the dispatcher runs; the lag is from each commit to the
   receiver's verified arrival (the same machine's clock): p50, p99, max;
4. the API beside them: S1 (wrk) on a real server, alone, then while events are committed at the same rate
   for that server to deliver, three times over: its median p99 against its median p99 alone
   (``webhook_api_load.py``).

On the embedded SQLite default, or ``--database-url`` (PostgreSQL: ``postgresql+asyncpg://…``, a scratch
database it may fill). Nothing here asserts a time.
"""

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from http import HTTPStatus
from pathlib import Path
from uuid import uuid4

import httpx
import uvloop
from dishka import AsyncContainer
from run import ROOT, free_port, serving
from webhook_api_load import s1_with_and_without_webhooks, seed_lookups

from referrals.adapters.webhooks.resolver import SystemHostResolver
from referrals.adapters.webhooks.signer import StandardWebhookSigner
from referrals.adapters.webhooks.transport import HttpcoreWebhookTransport
from referrals.application.use_cases.create_api_key import CreateApiKey, NewApiKey
from referrals.application.use_cases.manage_webhooks import CreateWebhookEndpoint, NewWebhook
from referrals.application.webhook_addresses import WebhookAddressPolicy
from referrals.bootstrap.config import Settings, settings_from
from referrals.bootstrap.container import make_container
from referrals.bootstrap.webhook_dispatch import WebhookDispatcher
from referrals.domain.api_keys import Scope
from referrals.domain.webhooks import checked_webhook_url

PYTHON = sys.executable


def percentile(values: Sequence[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


async def baseline(url: str, settings: Settings, secret: str, count: int, name: str) -> float:
    """Signed POSTs per second straight to the receiver, as many in flight as the dispatcher allows."""
    policy = WebhookAddressPolicy(SystemHostResolver(), allow_private_networks=True)
    # As many in flight as the dispatcher sends to one endpoint: the receiver is one.
    in_flight = min(settings.webhooks.concurrency, settings.webhooks.concurrency_per_endpoint)
    transport = HttpcoreWebhookTransport(policy, settings.webhooks.timeout, in_flight)
    signer = StandardWebhookSigner()
    target = checked_webhook_url(url, allow_plain_http=True)
    slots = asyncio.Semaphore(in_flight)

    async def post(number: int) -> None:
        body = b'{"type":"api_key.created","timestamp":"2026-12-03T00:00:00Z","data":{"name":"%s-%d"}}' % (
            name.encode(),
            number,
        )
        async with slots:
            now = datetime.now(UTC)
            message_id = f"{name}-{number}"
            headers = {
                "webhook-id": message_id,
                "webhook-timestamp": str(int(now.timestamp())),
                "webhook-signature": signer.signature(message_id, now, body, [secret]),
            }
            status = await transport.post(target, headers, body)
            if not HTTPStatus.OK <= status < HTTPStatus.MULTIPLE_CHOICES:
                sys.exit(f"the receiver answered {status} to a baseline POST")

    started = time.perf_counter()
    await asyncio.gather(*(post(number) for number in range(count)))
    elapsed = time.perf_counter() - started
    await transport.aclose()
    return count / elapsed


async def arrivals(receiver: str) -> dict[str, float]:
    async with httpx.AsyncClient() as client:
        return dict((await client.get(f"{receiver}/arrivals")).json())


async def until_arrived(receiver: str, total: int, seconds: float) -> dict[str, float]:
    """Every arrival once ``total`` have arrived (a count is polled: cheap beside the deliveries measured)."""
    deadline = time.monotonic() + seconds
    async with httpx.AsyncClient() as client:
        # Polled: the receiver is another process, with nothing to wait on here.
        while int((await client.get(f"{receiver}/count")).json()) < total and time.monotonic() < deadline:  # noqa: ASYNC110
            await asyncio.sleep(0.05)
    return await arrivals(receiver)


async def commit_event(container: AsyncContainer, name: str) -> float:
    """An ``api_key.created`` event committed (a key made under ``name``), and the wall-clock time it was."""
    async with container() as request:
        await (await request.get(CreateApiKey))(NewApiKey(name=name, scopes=frozenset({Scope.EVENTS_WRITE})))
    return time.time()


async def throughput_rounds(
    args: argparse.Namespace,
    container: AsyncContainer,
    settings: Settings,
    url: str,
    secret: str,
    receiver: str,
    tag: str,
) -> list[float]:
    """The baseline and the throughput, alternated ``args.rounds`` times: the machine's pace drifts within a
    run, and each ratio is taken between neighbours. The ratios, in order."""
    arrived = 0  # what the receiver has counted so far
    ratios = []
    for round_number in range(args.rounds):
        posts_per_second = await baseline(url, settings, secret, args.backlog, f"baseline-{tag}-{round_number}")
        arrived += args.backlog
        print(
            f"baseline: {posts_per_second:,.0f} signed POSTs/s straight to the receiver (no outbox), "
            f"{min(settings.webhooks.concurrency, args.per_endpoint)} at once"
        )
        backlog = {f"backlog-{tag}-{round_number}-{n}" for n in range(args.backlog)}
        for name in sorted(backlog):
            await commit_event(container, name)
        dispatcher = WebhookDispatcher(container, settings.webhooks)
        started = time.perf_counter()
        dispatcher.start()
        found = await until_arrived(receiver, arrived + len(backlog), seconds=120)
        elapsed = time.perf_counter() - started
        await dispatcher.stop()
        arrived = len(found)  # what arrived late from a round that ran out of time counts too
        delivered = len(backlog & found.keys())
        rate = delivered / elapsed
        ratios.append(rate / posts_per_second)
        print(
            f"throughput: {delivered:,} of {len(backlog):,} backlogged events delivered and verified in "
            f"{elapsed:.1f} s: {rate:,.0f}/s, {ratios[-1]:.2f} x the baseline"
        )
    return ratios


async def measure(args: argparse.Namespace, database_url: str) -> None:
    settings = settings_from(
        {
            "database_url": database_url,
            "webhook_allow_private_networks": True,
            "background_work": False,
            "webhook_concurrency_per_endpoint": args.per_endpoint,
        }
    )
    container = make_container(settings)
    port = free_port()
    url = f"http://127.0.0.1:{port}/hooks"
    async with container() as request:
        endpoint = await (await request.get(CreateWebhookEndpoint))(NewWebhook(url, ["api_key.created"]))
    env = {**os.environ, "PYTHONPATH": str(ROOT / "bench"), "BENCH_WEBHOOK_SECRET": endpoint.secret}
    command = [PYTHON, "-m", "granian", "--interface", "asgi", "--host", "127.0.0.1", "--port", str(port)]
    command += ["--log-level", "warning", "webhook_receiver:app"]
    receiver = f"http://127.0.0.1:{port}"
    with serving(command, env, port):
        tag = uuid4().hex[:6]
        ratios = await throughput_rounds(args, container, settings, url, endpoint.secret, receiver, tag)
        arrived = len(await arrivals(receiver))
        print(f"throughput (median of {len(ratios)}): {statistics.median(ratios):.2f} x the baseline")
        dispatcher = WebhookDispatcher(container, settings.webhooks)
        dispatcher.start()

        committed: dict[str, float] = {}
        interval = 1 / args.rate
        next_at = time.perf_counter()
        for number in range(int(args.rate * args.seconds)):
            name = f"steady-{tag}-{number}"
            committed[name] = await commit_event(container, name)
            next_at += interval
            await asyncio.sleep(max(0.0, next_at - time.perf_counter()))
        found = await until_arrived(receiver, arrived + len(committed), seconds=60)
        await dispatcher.stop()
        lags = [found[name] - at for name, at in committed.items() if name in found]
        missing = len(committed) - len(lags)
        print(
            f"lag at {args.rate:g} events/s for {args.seconds:g} s ({len(committed):,} events, {missing} missing): "
            f"p50 {percentile(lags, 0.5) * 1000:.0f} ms, p99 {percentile(lags, 0.99) * 1000:.0f} ms, "
            f"max {max(lags) * 1000:.0f} ms"
        )
        print(f"mean lag {statistics.fmean(lags) * 1000:.0f} ms")

        if args.api_seconds:
            lookup_paths = await seed_lookups(database_url, Path(args.work))
            for in_worker, where in ((False, "the server"), (True, "a worker process")):
                api = await s1_with_and_without_webhooks(
                    database_url, lookup_paths, receiver, args.rate, args.api_seconds, in_worker=in_worker
                )
                print(
                    f"S1 p99 (median of 3) {api.p99_beside_ms:.2f} ms while {api.committed:,} events were committed "
                    f"and {where} delivered {api.delivered:,} webhooks, {api.p99_alone_ms:.2f} ms alone: "
                    f"{api.ratio:.2f} x"
                )
    await container.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backlog", type=int, default=3000)
    parser.add_argument("--rate", type=float, default=100.0)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--database-url", default=None)
    parser.add_argument(
        "--rounds", type=int, default=3, help="baseline and throughput, alternated this many times (median ratio)"
    )
    parser.add_argument(
        "--api-seconds",
        type=int,
        default=10,
        help="seconds of S1 alone, then as long beside webhook traffic, on a real server (0: none)",
    )
    parser.add_argument(
        "--per-endpoint",
        type=int,
        default=Settings().webhooks.concurrency_per_endpoint,
        help="WEBHOOK_CONCURRENCY_PER_ENDPOINT for the run (the baseline sends as many at once)",
    )
    args = parser.parse_args()
    if args.rounds < 1:
        parser.error("--rounds must be at least 1")
    with tempfile.TemporaryDirectory(prefix="referrals-webhooks-") as scratch:
        database_url = args.database_url or f"sqlite+aiosqlite:///{Path(scratch) / 'bench.sqlite3'}"
        environment = {**os.environ, "DATABASE_URL": database_url}
        subprocess.run([PYTHON, "-m", "alembic", "upgrade", "head"], cwd=ROOT, env=environment, check=True)
        args.work = scratch
        uvloop.run(measure(args, database_url))


if __name__ == "__main__":
    main()
