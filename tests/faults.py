"""Faults on demand: a TCP proxy that can turn into a black hole, and a PostgreSQL cluster of the test's own."""

import asyncio
import contextlib
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path

from tests.conftest import unavailable
from tests.processes import free_port


class BlackholeProxy:
    """Relays TCP to ``upstream`` until told to swallow: then bytes stop flowing both ways and new connections
    are accepted but never answered, as with a dropped route or a firewall that discards packets.

    With no upstream at all it swallows from the start: a server that accepts and never speaks.
    """

    def __init__(self, upstream_port: int | None = None) -> None:
        self.port = free_port()
        self._upstream_port = upstream_port
        self._swallowing = upstream_port is None
        self._holding = 0
        self._tasks: set[asyncio.Task[None]] = set()
        self._writers: set[asyncio.StreamWriter] = set()
        self._server: asyncio.Server | None = None

    def swallow(self) -> None:
        self._swallowing = True

    async def holding(self, count: int) -> None:
        """Return once at least ``count`` messages or connection attempts are held in the black hole."""
        while self._holding < count:
            await asyncio.sleep(0.01)

    def relay(self) -> None:
        """Relay again; connections that went through the black hole stay dead, as TCP ones would, and whatever
        was in flight on them is cut off mid-statement."""
        self._swallowing = False
        for writer in list(self._writers):
            writer.close()
        self._writers.clear()

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._writers.add(writer)
        if self._swallowing or self._upstream_port is None:
            self._holding += 1  # a connection attempt, held
            return
        try:
            upstream_reader, upstream_writer = await asyncio.open_connection("127.0.0.1", self._upstream_port)
        except OSError:
            writer.close()
            return
        self._writers.add(upstream_writer)
        for source, sink in ((reader, upstream_writer), (upstream_reader, writer)):
            task = asyncio.create_task(self._pump(source, sink))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _pump(self, source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
        with contextlib.suppress(OSError, asyncio.CancelledError):
            while data := await source.read(65536):
                if self._swallowing:
                    self._holding += 1
                    while self._swallowing:
                        await asyncio.sleep(0.05)  # hold the bytes: the other side just waits
                        if sink.is_closing():
                            return
                sink.write(data)
                await sink.drain()
        sink.close()

    @asynccontextmanager
    async def running(self) -> AsyncIterator["BlackholeProxy"]:
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", self.port)
        try:
            yield self
        finally:
            self._server.close()
            for writer in list(self._writers):
                writer.close()
            for task in list(self._tasks):
                task.cancel()


class ThrowawayPostgres:
    """A PostgreSQL cluster in a temporary folder, on a port of its own, that a test may stop and start."""

    def __init__(self, root: Path, binaries: Path) -> None:
        self.port = free_port()
        self._data = root / "data"
        self._log = root / "server.log"
        self._binaries = binaries
        self._sockets = root

    @property
    def url(self) -> str:
        return f"postgresql+asyncpg://postgres@127.0.0.1:{self.port}/postgres"

    def start(self) -> None:
        options = f"-p {self.port} -k {self._sockets} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._pg_ctl("start", "-w", "-t", "30", "-l", str(self._log), "-o", options)

    def stop(self) -> None:
        self._pg_ctl("stop", "-w", "-m", "immediate")

    def stop_when_idle(self) -> None:
        """Begin a smart shutdown and return at once: the server waits for its sessions to end, refusing new ones."""
        self._pg_ctl("stop", "-W", "-m", "smart")

    def wait_stopped(self, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while self._pg_ctl_status() == 0:  # 0 while running, 3 once stopped
            if time.monotonic() > deadline:
                self.stop()
                return
            time.sleep(0.05)

    def _pg_ctl_status(self) -> int:
        prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        command = [*prefix, str(self._binaries / "pg_ctl"), "-D", str(self._data), "status"]
        return subprocess.run(command, check=False, capture_output=True, timeout=60).returncode

    def _pg_ctl(self, *arguments: str) -> None:
        self._run(str(self._binaries / "pg_ctl"), "-D", str(self._data), *arguments)

    def init(self) -> None:
        self._run(str(self._binaries / "initdb"), "-D", str(self._data), "-A", "trust", "-U", "postgres", "--no-sync")

    def _run(self, *command: str) -> None:
        # PostgreSQL refuses to run as root; as root, run it as the postgres user.
        prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        subprocess.run([*prefix, *command], check=True, capture_output=True, timeout=60)


def postgres_binaries() -> Path | None:
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    if versions:
        return versions[-1].parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


@contextmanager
def throwaway_postgres() -> Iterator[ThrowawayPostgres]:
    binaries = postgres_binaries()
    if binaries is None:
        unavailable("PostgreSQL's initdb is not installed, so the database fault tests cannot run")
    assert binaries is not None
    root = Path(tempfile.mkdtemp(prefix="referrals-pg-"))
    if os.geteuid() == 0:
        shutil.chown(root, "postgres", "postgres")
    cluster = ThrowawayPostgres(root, binaries)
    try:
        cluster.init()
        cluster.start()
        yield cluster
    finally:
        with contextlib.suppress(subprocess.CalledProcessError, subprocess.TimeoutExpired):
            cluster.stop()
        shutil.rmtree(root, ignore_errors=True)
