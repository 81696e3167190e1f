"""`make bench`: start the service as production runs it, seed it, load it with wrk, print the figures.

Every ratio is against S0 (GET /health) measured in the same run, on the same server and workers;
a bare Litestar endpoint served the same way, S2's select on a bare asyncpg pool in a bare Litestar app
(PostgreSQL) and argon2's own hash rate give the orientation figures.
Nothing here asserts a time: the run fails only when a scenario gets non-2xx answers.
"""

import argparse
import asyncio
import json
import os
import platform
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg
import httpx
import programme
import readme_table
from argon2 import PasswordHasher
from sqlalchemy import insert
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

from referrals.adapters.persistence.tables import referral_codes, users
from referrals.adapters.persistence.tables import referrals as referral_rows
from referrals.adapters.persistence.tally_recount import recount_tallies
from referrals.bootstrap.config import Settings
from referrals.domain.codes import generate_code

ROOT = Path(__file__).resolve().parent.parent
LUA = ROOT / "bench" / "lua"
RESULTS = ROOT / "bench" / "results"
PYTHON = sys.executable
PASSWORD = "bench-password-123"  # noqa: S105 - the seeded users' known password
JWT_SECRET = secrets.token_urlsafe(48)
REST_SECONDS = 3.0
# The programme's scenarios (C1-C4t) are in bench/programme.py; they run after these, on the same server.
SERVICE_SCENARIOS = ["S0", "S1", "S2", "S3", "S4", "S1+S4", "S5", "MIX"]
SCENARIOS = [*SERVICE_SCENARIOS, *programme.SCENARIOS]


@dataclass
class Figures:
    scenario: str
    rps: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    non_2xx: int
    socket_errors: int
    requests: int
    ratio_to_s0: float | None = None
    # The CPU of the server (all its processes) and of the local PostgreSQL (all its processes; none with
    # SQLite) for the load, per request answered: what a request costs, where rps is also what the machine
    # had to spare. Both still move with the machine's speed. Requests in flight when wrk stops count as not done.
    server_cpu_ms_per_request: float | None = None
    database_cpu_ms_per_request: float | None = None


@dataclass(frozen=True)
class Load:
    """One wrk run: a scenario's script and its inputs."""

    scenario: str
    script: str
    environment: dict[str, str]
    connections: int | None = None
    threads: int | None = None


@dataclass
class Configuration:
    backend: str
    workers: int
    figures: list[Figures] = field(default_factory=list)
    bare_litestar_rps: float | None = None
    # PostgreSQL only: S2's lookups against a bare Litestar app running the same select on a bare asyncpg pool.
    bare_asyncpg_s2: Figures | None = None
    # C1's statements, written by hand on the same bare pool: what a conversion costs at the driver's speed.
    bare_asyncpg_c1: Figures | None = None
    # How many of bare C1's conversions qualified a referral: fewer than it answered, and it was no floor.
    bare_c1_qualified: int | None = None
    rss_mb_per_worker: list[float] = field(default_factory=list)
    rss_mb_per_worker_at_rest: list[float] = field(default_factory=list)
    # Measured just before S4, with the service idle: the machine's rate moves by 15 % over a long run.
    argon2_hashes_per_second: float | None = None
    # The programme's scenarios (bench/programme.py): how many of the conversions C1 and C1k sent in all their
    # rounds qualified, of how many answered and of how many referees seeded for them; the goals' ratios; each
    # worker's RSS as the last of them ends.
    c1_qualified: int | None = None
    conversions_answered: int | None = None
    c1_referees: int | None = None
    programme_ratios: dict[str, float] = field(default_factory=dict)
    # The same ratios from the server's CPU per request instead of rps: what one core would sustain of each.
    programme_cpu_ratios: dict[str, float] = field(default_factory=dict)
    rss_mb_per_worker_after_programme: list[float] = field(default_factory=list)


def main() -> int:
    args = parse_arguments()
    require_wrk()
    started = time.monotonic()
    report: dict[str, object] = {
        "machine": machine(),
        "server": "granian (python -m referrals)",
        "settings": vars(args),
    }
    configurations = []
    for backend in args.backends:
        for workers in args.workers:
            configuration = run_configuration(args, backend, workers)
            configurations.append(configuration)
            print_table(configuration)
    report["configurations"] = [asdict(configuration) for configuration in configurations]
    report["total_seconds"] = round(time.monotonic() - started, 1)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "latest.json").write_text(json.dumps(report, indent=2) + "\n")
    (RESULTS / "latest.md").write_text(readme_table.render(report))
    print(f"\nwritten bench/results/latest.json and latest.md; the whole run took {report['total_seconds']} s")
    failed = [
        (configuration.backend, configuration.workers, figures.scenario)
        for configuration in configurations
        for figures in configuration.figures
        if figures.non_2xx or figures.socket_errors
    ]
    if failed:
        print(f"FAILED: non-2xx answers or socket errors in {failed}")
    short = [
        (configuration.backend, configuration.workers)
        for configuration in configurations
        if configuration.bare_asyncpg_c1 is not None
        and (configuration.bare_c1_qualified or 0) < configuration.bare_asyncpg_c1.requests
    ]
    if short:
        print(f"FAILED: bare C1 answered conversions that qualified nothing in {short}: it measured no floor")
    return 1 if failed or short else 0


def parse_arguments() -> argparse.Namespace:
    cores = os.cpu_count() or 1
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backends", default="sqlite,postgres", type=lambda value: value.split(","))
    parser.add_argument(
        "--workers", default=f"1,{cores}", type=lambda value: sorted({int(v) for v in value.split(",")})
    )
    parser.add_argument("--scenarios", default=",".join(SCENARIOS), type=lambda value: value.split(","))
    parser.add_argument("--duration", type=int, default=10, help="seconds per scenario")
    parser.add_argument(
        "--write-rounds",
        type=_at_least_one,
        default=3,
        help="rounds of the write scenarios (C1, C1k), alternating; the median round of each is reported",
    )
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--timeout", type=int, default=10, help="seconds before wrk gives up on a request")
    parser.add_argument("--users", type=int, default=10_000)
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("BENCH_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"),
    )
    parser.add_argument(
        "--valkey-url",
        default=os.environ.get("BENCH_VALKEY_URL", "redis://127.0.0.1:6379/0"),
        help="used with postgres; '' for none",
    )
    return parser.parse_args()


def _at_least_one(value: str) -> int:
    number = int(value)
    if number < 1:
        msg = f"{value} is not a whole number of at least 1"
        raise argparse.ArgumentTypeError(msg)
    return number


def require_wrk() -> None:
    if shutil.which("wrk"):
        return
    if os.geteuid() == 0 and shutil.which("apt-get"):
        subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=False, stdout=subprocess.DEVNULL)
    if not shutil.which("wrk"):
        sys.exit("wrk is needed: install it with `apt-get install wrk` (Debian/Ubuntu)")


def machine() -> dict[str, object]:
    model = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        "?",
    )
    return {
        "cores": os.cpu_count(),
        "cpu": model,
        "python": platform.python_version(),
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
    }


def argon2_rate(seconds: float) -> float:
    """Hashes per second with the service's parameters, on as many threads as the service uses."""
    defaults = Settings()
    hasher = PasswordHasher(
        time_cost=defaults.security.argon2_time_cost,
        memory_cost=defaults.security.argon2_memory_kib,
        parallelism=defaults.security.argon2_parallelism,
    )
    threads = os.cpu_count() or 1
    deadline = time.monotonic() + seconds

    def hash_until_deadline() -> int:
        count = 0
        while time.monotonic() < deadline:
            hasher.hash(PASSWORD)
            count += 1
        return count

    with ThreadPoolExecutor(threads) as pool:
        total = sum(pool.map(lambda _: hash_until_deadline(), range(threads)))
    return round(total / seconds, 1)


def run_configuration(args: argparse.Namespace, backend: str, workers: int) -> Configuration:
    configuration = Configuration(backend, workers)
    print(f"\n== {backend}, {workers} worker(s): preparing", flush=True)
    with database(args, backend) as (database_url, work):
        environment = {"DATABASE_URL": database_url}
        if backend == "postgres" and args.valkey_url:
            environment |= {"VALKEY_URL": args.valkey_url, "VALKEY_NAMESPACE": f"bench-{uuid.uuid4().hex[:8]}"}
        subprocess.run(
            [PYTHON, "-m", "alembic", "upgrade", "head"],
            cwd=ROOT,
            env={**os.environ, **environment},
            check=True,
            capture_output=True,
        )
        wanted = set(args.scenarios)
        referees = programme.referees_for(wanted, args.duration, args.write_rounds + 1)
        files, seeded = asyncio.run(seed_all(database_url, args.users, work, referees))
        with service(environment, workers) as (url, pid):
            files["tokens"] = log_in_some(url, files["emails"], work)
            if "S1" in wanted or "S1+S4" in wanted or "MIX" in wanted:
                warm_every_path(url, files["warm"], passes=2 * workers)
            for scenario in SERVICE_SCENARIOS:
                if scenario in wanted and scenario != "S2":
                    if scenario == "S4":
                        configuration.argon2_hashes_per_second = argon2_rate(seconds=3)
                    configuration.figures.extend(load_together(args, url, *scenario_loads(scenario, files, work)))
            if "MIX" in wanted:
                configuration.rss_mb_per_worker = worker_rss_mb(pid)
                # The requests still queued when wrk stopped (logins wait for a hashing thread) finish first.
                time.sleep(REST_SECONDS)
                configuration.rss_mb_per_worker_at_rest = worker_rss_mb(pid)
            run_programme(args, configuration, (url, pid, environment), seeded, files, work)
        if "S2" in wanted:
            # The database path: the same lookups with the code cache turned off.
            with service({**environment, "CODE_CACHE_TTL": "0"}, workers) as (url, s2_pid):
                warm_connections(args, url, *scenario_loads("S2", files, work))
                configuration.figures.extend(
                    load_together(args, url, *scenario_loads("S2", files, work), server_pid=s2_pid)
                )
        if backend == "postgres":
            run_bare_asyncpg(args, configuration, database_url, files, seeded)
    with bare_litestar(workers) as url:
        bare = Load("bare", "get_paths.lua", {"BENCH_PATHS": single_path(work_dir(), "/health")})
        configuration.bare_litestar_rps = load_together(args, url, bare)[0].rps
    baseline = next((figures.rps for figures in configuration.figures if figures.scenario == "S0"), None)
    for figures in configuration.figures:
        figures.ratio_to_s0 = round(figures.rps / baseline, 3) if baseline else None
    configuration.programme_ratios = programme.ratios({f.scenario: f.rps for f in configuration.figures})
    configuration.programme_cpu_ratios = programme.ratios(
        {f.scenario: 1 / f.server_cpu_ms_per_request for f in configuration.figures if f.server_cpu_ms_per_request}
    )
    return configuration


def run_bare_asyncpg(
    args: argparse.Namespace,
    configuration: Configuration,
    database_url: str,
    files: dict[str, str],
    seeded: programme.Seeded | None,
) -> None:
    """S2's select and C1's conversion on a bare asyncpg pool in a bare app: the database paths' floors."""
    wanted = set(args.scenarios)
    converting = "C1" in wanted and seeded is not None
    if "S2" not in wanted and not converting:
        return
    with bare_asyncpg(database_url, configuration.workers) as (url, pid):
        if "S2" in wanted:
            bare_s2 = replace(scenario_loads("S2", files, work_dir())[0], scenario="bare S2")
            warm_connections(args, url, bare_s2)
            configuration.bare_asyncpg_s2 = load_together(args, url, bare_s2, server_pid=pid)[0]
        if converting:
            assert seeded is not None  # noqa: S101 - for the type checker
            # The last share of C1's referees, which none of the service's rounds converted.
            share = (args.write_rounds, args.write_rounds + 1)
            script, inputs = programme.load_of("C1", {"referees": seeded.referees, "key": "-"}, args.threads, share)
            one_statement = bool(os.environ.get("BENCH_BARE_C1_ONE_STATEMENT"))
            bare_c1 = Load("bare C1, one statement" if one_statement else "bare C1", script, inputs)
            figures = configuration.bare_asyncpg_c1 = load_together(args, url, bare_c1, server_pid=pid)[0]
            # A floor only if its conversions did the work: each must have qualified a referral.
            qualified = configuration.bare_c1_qualified = programme.qualified_conversions(
                database_url, inputs["BENCH_RUN_TAG"]
            )
            print(f"   bare C1: {qualified:,} conversions qualified, for {figures.requests:,} answers", flush=True)


def run_programme(
    args: argparse.Namespace,
    configuration: Configuration,
    server: tuple[str, int, dict[str, str]],
    seeded: programme.Seeded | None,
    files: dict[str, str],
    work: Path,
) -> None:
    """The programme's scenarios on the server the others ran on (its URL, PID and environment): an operator
    key made with the CLI and the terms set with it first; then each worker's RSS, and how many of C1's
    conversions qualified. Nothing when none of them was asked for (and nothing of them was seeded)."""
    if seeded is None:
        return
    url, pid, environment = server
    key = programme.create_key(service_environment(environment, configuration.workers, 0), ROOT)
    files = files | programme.prepare(url, seeded, key, PASSWORD, work)
    for scenario in programme.SCENARIOS:
        if scenario in args.scenarios and scenario not in programme.WRITE_SCENARIOS:
            script, inputs = programme.load_of(scenario, files, args.threads)
            configuration.figures.extend(load_together(args, url, Load(scenario, script, inputs), server_pid=pid))
    # The write scenarios last, alternating round by round: each round pays alike for what the one before left
    # behind (queued conversions, their events for the background fan-out, autovacuum), and the median round
    # of each is kept. Each round converts referees of its own.
    writes = [scenario for scenario in programme.SCENARIOS if scenario in programme.WRITE_SCENARIOS]
    rounds: dict[str, list[Figures]] = {scenario: [] for scenario in writes if scenario in args.scenarios}
    for round_number in range(args.write_rounds):
        for scenario, measured in rounds.items():
            # One share more than there are rounds: the last is the bare app's (run_configuration).
            script, inputs = programme.load_of(scenario, files, args.threads, (round_number, args.write_rounds + 1))
            measured.extend(load_together(args, url, Load(scenario, script, inputs), server_pid=pid))
            time.sleep(REST_SECONDS)  # the conversions still queued when wrk stopped are answered first
    for scenario, measured in rounds.items():
        median = sorted(measured, key=lambda figures: figures.rps)[len(measured) // 2]
        if len(measured) > 1:
            print(f"   {scenario:<8} rounds: {', '.join(f'{figures.rps:,.0f}' for figures in measured)} rps")
        configuration.figures.append(median)
    configuration.conversions_answered = sum(figures.requests for measured in rounds.values() for figures in measured)
    configuration.rss_mb_per_worker_after_programme = worker_rss_mb(pid)
    if "C1" in args.scenarios:
        configuration.c1_qualified = programme.qualified_conversions(environment["DATABASE_URL"])
        configuration.c1_referees = seeded.referee_count


def scenario_loads(scenario: str, files: dict[str, str], work: Path) -> list[Load]:
    """What wrk runs for ``scenario``: one load, or several at once."""
    lookups = Load(scenario, "get_paths.lua", {"BENCH_PATHS": files["warm"]})
    logins = Load(scenario, "login.lua", {"BENCH_EMAILS": files["emails"]})
    loads = {
        "S0": [Load(scenario, "get_paths.lua", {"BENCH_PATHS": single_path(work, "/health")})],
        "S1": [lookups],
        # S2 is S1's path on the other half of the emails, on a service started with the code cache off.
        "S2": [Load(scenario, "get_paths.lua", {"BENCH_PATHS": files["cold"]})],
        "S3": [
            Load(
                scenario,
                "get_paths.lua",
                {"BENCH_PATHS": single_path(work, "/users/me"), "BENCH_TOKENS": files["tokens"]},
            )
        ],
        "S4": [logins],
        # Cached lookups while logins keep every hashing thread busy: does argon2 starve the event loop?
        "S1+S4": [
            replace(lookups, scenario="S1|S4"),
            replace(logins, scenario="S4|S1", connections=16, threads=1),
        ],
        "S5": [Load(scenario, "register_with_referral.lua", {"BENCH_CODES": files["codes"]})],
        "MIX": [
            Load(
                scenario,
                "mix.lua",
                {
                    "BENCH_WARM": files["warm"],
                    "BENCH_COLD": files["cold"],
                    "BENCH_TOKENS": files["tokens"],
                    "BENCH_EMAILS": files["emails"],
                },
            )
        ],
    }
    return loads[scenario]


_work_dir = Path(tempfile.mkdtemp(prefix="referrals-bench-"))


def work_dir() -> Path:
    return _work_dir


@contextmanager
def database(args: argparse.Namespace, backend: str) -> Iterator[tuple[str, Path]]:
    work = Path(tempfile.mkdtemp(prefix=f"referrals-bench-{backend}-"))
    if backend == "sqlite":
        yield f"sqlite+aiosqlite:///{work / 'bench.sqlite3'}", work
        shutil.rmtree(work, ignore_errors=True)
        return
    name = f"referrals_bench_{uuid.uuid4().hex[:8]}"
    admin = make_url(args.postgres_url).set(drivername="postgresql").render_as_string(hide_password=False)
    asyncio.run(_postgres(admin, f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(args.postgres_url).set(database=name).render_as_string(hide_password=False), work
    finally:
        asyncio.run(_postgres(admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        shutil.rmtree(work, ignore_errors=True)


async def _postgres(dsn: str, statement: str) -> None:
    connection = await asyncpg.connect(dsn)
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


async def seed(database_url: str, count: int, work: Path) -> dict[str, str]:
    return (await seed_all(database_url, count, work, referees=0))[0]


async def seed_all(
    database_url: str, count: int, work: Path, referees: int
) -> tuple[dict[str, str], programme.Seeded | None]:
    """Referrers with live codes, a tenth of them with 1-20 referrals, all sharing one real argon2 hash; with
    ``referees``, the programme's scenarios' rows too (bench/programme.py)."""
    defaults = Settings()
    password_hash = PasswordHasher(
        time_cost=defaults.security.argon2_time_cost,
        memory_cost=defaults.security.argon2_memory_kib,
        parallelism=defaults.security.argon2_parallelism,
    ).hash(PASSWORD)
    now = datetime.now(UTC)
    referrers = [
        {
            "id": uuid.uuid4(),
            "email": f"referrer{n}@bench.example.com",
            "password_hash": password_hash,
            "created_at": now,
        }
        for n in range(count)
    ]
    codes = [
        {
            "id": uuid.uuid4(),
            "owner_id": user["id"],
            "code": generate_code(),
            "state": "active",
            "created_at": now,
            "expires_at": now + timedelta(days=300),
        }
        for user in referrers
    ]
    referrals = [
        {
            "id": uuid.uuid4(),
            "email": f"referral{n}-{k}@bench.example.com",
            "password_hash": password_hash,
            "created_at": now,
            "referrer_id": referrers[n]["id"],
            "referred_with_code_id": codes[n]["id"],
        }
        for n in range(0, count, 10)
        for k in range(1 + n % 20)
    ]
    # Each referee's referral as registering records it (and as migration 0006 made them): pending.
    pending = [
        {"id": user["id"], "referrer_id": user["referrer_id"], "state": "pending", "created_at": now}
        for user in referrals
    ]
    engine = create_async_engine(database_url)
    async with engine.begin() as connection:
        for table, rows in ((users, referrers), (referral_codes, codes), (users, referrals), (referral_rows, pending)):
            for start in range(0, len(rows), 2000):
                await connection.execute(insert(table), programme.with_mailbox_keys(table, rows[start : start + 2000]))
        print(f"   seeded {len(referrers)} referrers with codes and {len(referrals)} referrals", flush=True)
        seeded = (
            await programme.seed(connection, referrers, codes, password_hash, now, referees, work) if referees else None
        )
        # The referrers' tallies of every referral and reward seeded: the service keeps them as it changes
        # rows, and these went round it.
        async with AsyncSession(bind=connection) as session:
            await recount_tallies(session)
    await engine.dispose()
    emails = [str(user["email"]) for user in referrers]
    half = len(emails) // 2
    files = {
        "emails": write_lines(work / "emails.txt", emails),
        "codes": write_lines(work / "codes.txt", [str(code["code"]) for code in codes]),
        "warm": write_lines(work / "warm.txt", [f"/referral-code/{email}" for email in emails[:half]]),
        "cold": write_lines(work / "cold.txt", [f"/referral-code/{email}" for email in emails[half:]]),
    }
    return files, seeded


def write_lines(path: Path, lines: list[str]) -> str:
    path.write_text("\n".join(lines) + "\n")
    return str(path)


def single_path(work: Path, path: str) -> str:
    return write_lines(work / f"path-{abs(hash(path))}.txt", [path])


def log_in_some(url: str, emails_file: str, work: Path, count: int = 50) -> str:
    emails = Path(emails_file).read_text().split()[:count]
    tokens = []
    with httpx.Client(base_url=url, timeout=30) as client:
        for email in emails:
            response = client.post("/auth/login", data={"username": email, "password": PASSWORD})
            response.raise_for_status()
            tokens.append(response.json()["access_token"])
    return write_lines(work / "tokens.txt", tokens)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def warm_every_path(url: str, paths_file: str, passes: int) -> None:
    """Request every path, ``passes`` times over, so that each worker's cache has seen (nearly) all of them."""
    paths = Path(paths_file).read_text().split()

    async def walk() -> None:
        limits = httpx.Limits(max_connections=32)
        async with httpx.AsyncClient(base_url=url, limits=limits, timeout=30) as client:
            gate = asyncio.Semaphore(32)

            async def one(path: str) -> None:
                async with gate:
                    (await client.get(path)).raise_for_status()

            for _ in range(passes):
                await asyncio.gather(*(one(path) for path in paths))

    started = time.perf_counter()
    asyncio.run(walk())
    print(f"   warm-up: {len(paths)} lookups × {passes} in {time.perf_counter() - started:.1f} s", flush=True)


@contextmanager
def service(environment: dict[str, str], workers: int) -> Iterator[tuple[str, int]]:
    port = free_port()
    with serving([PYTHON, "-m", "referrals"], service_environment(environment, workers, port), port) as pid:
        yield f"http://127.0.0.1:{port}", pid


def service_environment(environment: dict[str, str], workers: int, port: int) -> dict[str, str]:
    """The server's environment (the CLI reads its settings from the same)."""
    return {
        **os.environ,
        **environment,
        "APP_ENV": "production",
        "JWT_SECRET": JWT_SECRET,
        "WORKERS": str(workers),
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "ACCESS_LOG": "false",
        "LOG_LEVEL": "WARNING",
        # wrk is one client; with the per-client budgets on, nearly every answer would be a 429.
        "RATE_LIMIT_LOGIN_FAILURES_PER_ACCOUNT": "0",
        "RATE_LIMIT_LOGIN_FAILURES_PER_CLIENT": "0",
        "RATE_LIMIT_LOOKUPS_PER_CLIENT": "0",
        "RATE_LIMIT_REGISTRATIONS_PER_CLIENT": "0",
        "RATE_LIMIT_REFRESHES_PER_CLIENT": "0",
        **environment,
    }


@contextmanager
def bare_litestar(workers: int) -> Iterator[str]:
    port = free_port()
    command = [
        PYTHON,
        "-m",
        "granian",
        "--interface",
        "asgi",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--log-level",
        "warning",
        "bare_app:app",
    ]
    with serving(command, {**os.environ, "PYTHONPATH": str(ROOT / "bench")}, port):
        yield f"http://127.0.0.1:{port}"


@contextmanager
def bare_asyncpg(database_url: str, workers: int) -> Iterator[tuple[str, int]]:
    port = free_port()
    command = [PYTHON, "-m", "granian", "--interface", "asgi", "--host", "127.0.0.1", "--port", str(port)]
    command += ["--workers", str(workers), "--log-level", "warning", "bare_asyncpg_app:app"]
    dsn = make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)
    env = {**os.environ, "PYTHONPATH": str(ROOT / "bench"), "BENCH_ASYNCPG_DSN": dsn}
    with serving(command, env, port) as pid:
        yield f"http://127.0.0.1:{port}", pid


@contextmanager
def serving(command: list[str], env: dict[str, str], port: int) -> Iterator[int]:
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    (RESULTS).mkdir(exist_ok=True)
    (RESULTS / "server.pid").write_text(f"{process.pid}\n")
    try:
        deadline = time.monotonic() + 30
        while True:
            if process.poll() is not None:
                sys.exit(f"the server exited early: {process.stderr.read().decode() if process.stderr else ''}")
            try:
                if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).is_success:
                    break
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        yield process.pid
    finally:
        os.kill(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
        (RESULTS / "server.pid").unlink(missing_ok=True)


def warm_connections(args: argparse.Namespace, url: str, *loads: Load) -> None:
    """A second of the load, not measured, on a server just started: S2 and its baseline are then measured,
    like the scenarios before them, with their pools' connections open and their statements prepared."""
    warming = [replace(each, scenario=f"{each.scenario} warm") for each in loads]
    load_together(argparse.Namespace(**{**vars(args), "duration": 1}), url, *warming)


def load_together(args: argparse.Namespace, url: str, *loads: Load, server_pid: int | None = None) -> list[Figures]:
    """Run every load against ``url`` at once, for ``args.duration`` seconds, and return each one's figures;
    with ``server_pid`` and a single load, its server's and database's CPU per request too."""
    before = _cpu_seconds(server_pid) if server_pid is not None else None
    running = [(each, start_wrk(args, url, each)) for each in loads]
    figures = [collect_wrk(each, process) for each, process in running]
    if server_pid is not None and before is not None and len(figures) == 1 and figures[0].requests:
        server, database = (after - earlier for after, earlier in zip(_cpu_seconds(server_pid), before, strict=True))
        only = figures[0]
        only.server_cpu_ms_per_request = round(1000 * server / only.requests, 3)
        spent = f"server CPU {only.server_cpu_ms_per_request:.3f} ms"
        if database:
            only.database_cpu_ms_per_request = round(1000 * database / only.requests, 3)
            spent += f", PostgreSQL CPU {only.database_cpu_ms_per_request:.3f} ms"
        print(f"   {only.scenario:<8} {spent} a request", flush=True)
    return figures


def _cpu_seconds(server_pid: int) -> tuple[float, float]:
    """User and system CPU, in seconds, of the server (``server_pid`` and its children, the workers) and of
    every local PostgreSQL process."""
    ticks = os.sysconf("SC_CLK_TCK")
    server = database = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            command, rest = stat.read_text().split(" (", 1)[1].rsplit(")", 1)
        except (OSError, IndexError, ValueError):
            continue
        fields = rest.split()
        used = int(fields[11]) + int(fields[12])  # utime, stime
        if server_pid in (int(stat.parent.name), int(fields[1])):
            server += used
        elif command == "postgres":
            database += used
    return server / ticks, database / ticks


def start_wrk(args: argparse.Namespace, url: str, each: Load) -> subprocess.Popen[str]:
    # wrk gives up on a request after 2 s by default and counts it as an error; argon2-bound scenarios
    # queue longer than that at 64 connections, so the limit is raised to tell slow from failed.
    command = [
        "wrk",
        f"-t{each.threads or args.threads}",
        f"-c{each.connections or args.connections}",
        f"-d{args.duration}s",
        f"--timeout={args.timeout}s",
        "--latency",
        "-s",
        str(LUA / each.script),
        url,
    ]
    env = {**os.environ, **each.environment, "BENCH_LUA": str(LUA), "BENCH_PASSWORD": PASSWORD}
    return subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def collect_wrk(each: Load, process: subprocess.Popen[str]) -> Figures:
    stdout, stderr = process.communicate()
    match = re.search(r"BENCH-JSON (\{.*\})", stdout)
    if process.returncode != 0 or match is None:
        sys.exit(f"wrk failed on {each.scenario} (exit {process.returncode}):\n{stdout}\n{stderr}")
    raw = json.loads(match[1])
    figures = Figures(
        scenario=each.scenario,
        rps=round(raw["requests"] / (raw["duration_us"] / 1e6), 1),
        p50_ms=raw["p50_us"] / 1000,
        p90_ms=raw["p90_us"] / 1000,
        p99_ms=raw["p99_us"] / 1000,
        non_2xx=raw["non_2xx"],
        socket_errors=raw["socket_errors"],
        requests=raw["requests"],
    )
    latency = f"p50 {figures.p50_ms:.2f} ms  p99 {figures.p99_ms:.2f} ms"
    errors = f"non-2xx {figures.non_2xx}, socket errors {figures.socket_errors}"
    print(f"   {each.scenario:<8} {figures.rps:>10,.0f} rps  {latency}  {errors}", flush=True)
    return figures


def worker_rss_mb(parent: int) -> list[float]:
    sizes = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            fields = dict(line.split(":", 1) for line in status.read_text().splitlines() if ":" in line)
        except OSError:
            continue
        if fields.get("PPid", "").strip() == str(parent) and "VmRSS" in fields:
            sizes.append(round(int(fields["VmRSS"].split()[0]) / 1024, 1))
    return sorted(sizes)


def print_table(configuration: Configuration) -> None:
    print(f"\n{configuration.backend}, {configuration.workers} worker(s)")
    headings = ("scenario", "rps", "p50 ms", "p90 ms", "p99 ms", "non-2xx", "sock err", "× S0")
    print(f"{headings[0]:<8} " + " ".join(f"{heading:>{8 if heading != 'rps' else 10}}" for heading in headings[1:]))
    for figures in configuration.figures:
        ratio = "" if figures.ratio_to_s0 is None else f"{figures.ratio_to_s0:.3f}"
        latencies = f"{figures.p50_ms:>8.2f} {figures.p90_ms:>8.2f} {figures.p99_ms:>8.2f}"
        errors = f"{figures.non_2xx:>8} {figures.socket_errors:>8}"
        print(f"{figures.scenario:<8} {figures.rps:>10,.0f} {latencies} {errors} {ratio:>7}")
    s0 = next((f.rps for f in configuration.figures if f.scenario == "S0"), None)
    if configuration.bare_litestar_rps and s0:
        bare = configuration.bare_litestar_rps
        print(f"S0 / bare Litestar hello: {s0 / bare:.3f} ({bare:,.0f} rps bare)")
    s2 = next((f for f in configuration.figures if f.scenario == "S2"), None)
    if configuration.bare_asyncpg_s2 and s2:
        bare_s2 = configuration.bare_asyncpg_s2
        print(f"S2 / the same select on a bare asyncpg pool: {s2.rps / bare_s2.rps:.3f} ({bare_s2.rps:,.0f} rps bare)")
    c1 = next((f for f in configuration.figures if f.scenario == "C1"), None)
    if configuration.bare_asyncpg_c1 and c1:
        bare_c1 = configuration.bare_asyncpg_c1
        print(
            f"C1 / the same conversion on a bare asyncpg pool: {c1.rps / bare_c1.rps:.3f} ({bare_c1.rps:,.0f} rps bare)"
        )
        if configuration.bare_asyncpg_s2:
            bare_ratio = bare_c1.rps / configuration.bare_asyncpg_s2.rps
            print(f"bare C1 / bare S2: {bare_ratio:.3f} (the goal's ratio with no framework, ORM or rules at all)")
    hash_rate = configuration.argon2_hashes_per_second
    for name in ("S4", "S5"):
        rate = next((f.rps for f in configuration.figures if f.scenario == name), None)
        if rate and hash_rate:
            print(f"{name} / argon2 hash rate: {rate / hash_rate:.3f} (argon2 alone: {hash_rate:,.1f}/s)")
    solo = next((f for f in configuration.figures if f.scenario == "S1"), None)
    during = next((f for f in configuration.figures if f.scenario == "S1|S4"), None)
    if solo and during:
        print(f"S1 p99 while S4 runs / S1 p99 alone: {during.p99_ms / solo.p99_ms:.2f}")
    if configuration.rss_mb_per_worker:
        print(
            f"RSS per worker as MIX ends: {configuration.rss_mb_per_worker} MB; "
            f"{REST_SECONDS:.0f} s later: {configuration.rss_mb_per_worker_at_rest} MB"
        )
    print_programme(configuration)


def print_programme(configuration: Configuration) -> None:
    ratios = "; ".join(f"{name}: {value:.3f}" for name, value in configuration.programme_ratios.items() if value)
    if ratios:
        print(f"the goals (C1 >= 0.3 x S2, C2 >= 0.5 x S2, C4 >= 0.9 x C4t, C1k >= 0.9 x C1): {ratios}")
    by_cpu = "; ".join(f"{name}: {value:.3f}" for name, value in configuration.programme_cpu_ratios.items() if value)
    if by_cpu:
        print(f"the same, from the server's CPU per request: {by_cpu}")
    if configuration.c1_qualified is not None:
        print(
            f"C1 (and C1k, when it ran): {configuration.c1_qualified:,} conversions qualified their referral, for "
            f"{configuration.conversions_answered or 0:,} answers counted in all rounds (those in flight as wrk "
            f"stopped are answered after it); {configuration.c1_referees:,} referees seeded"
        )
    if configuration.rss_mb_per_worker_after_programme:
        print(f"RSS per worker as the programme's scenarios end: {configuration.rss_mb_per_worker_after_programme} MB")


if __name__ == "__main__":
    sys.exit(main())
