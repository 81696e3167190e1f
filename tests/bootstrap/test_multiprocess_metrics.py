"""`/metrics` with several worker processes: one view of all of them, whichever worker answers the scrape."""

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.conftest import PROJECT_ROOT, TEST_JWT_SECRET
from tests.processes import migrate_with_cli, running_server

REQUESTS = 20
# How long the test waits for the workers to publish their pools: a bound, not a measurement.
PATIENCE = 15.0
POOL_GAUGES = ("referrals_db_pool_checked_out", "referrals_db_pool_idle")


def leave_a_previous_run_behind(directory: Path) -> None:
    """What a server that ran before, with the same directory, leaves there: series of its own."""
    record = "from referrals.api import http_metrics; http_metrics.record('GET', '/from-a-previous-run', 200, 0.1)"
    environment = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(directory)}
    subprocess.run([sys.executable, "-c", record], cwd=PROJECT_ROOT, env=environment, check=True)


def requests_counted(metrics: str, path: str) -> float:
    pattern = rf'referrals_http_requests_total\{{[^}}]*path="{re.escape(path)}"[^}}]*\}} (\S+)'
    return sum(float(value) for value in re.findall(pattern, metrics))


def scrape(url: str) -> str:
    # A new connection each time, which either worker may accept.
    return httpx.get(f"{url}/metrics", headers={"Connection": "close"}, timeout=5).text


def test_two_workers_share_one_view_of_their_requests_and_pools(tmp_path: Path) -> None:
    directory = tmp_path / "metrics"
    directory.mkdir()
    leave_a_previous_run_behind(directory)
    environment = {
        "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'referrals.sqlite3'}",
        "JWT_SECRET": TEST_JWT_SECRET,
        "WORKERS": "2",
        "PROMETHEUS_MULTIPROC_DIR": str(directory),
    }
    migrate_with_cli({**os.environ, **environment})

    with running_server(environment, tmp_path, tmp_path / "server.log") as server:
        for _ in range(REQUESTS):
            httpx.get(f"{server.url}/referral-code/nobody@example.com", headers={"Connection": "close"}, timeout=5)
        deadline = time.monotonic() + PATIENCE
        metrics = scrape(server.url)
        while not all(gauge in metrics for gauge in POOL_GAUGES):
            assert time.monotonic() < deadline, f"no pool gauges in:\n{metrics}"
            time.sleep(0.2)
            metrics = scrape(server.url)
        scrapes = [scrape(server.url) for _ in range(6)]
        live_gauge_files = sorted(path.name for path in directory.glob("gauge_live*"))
        exit_code, _ = server.stop()

    for metrics in scrapes:
        assert requests_counted(metrics, "/referral-code/{email}") == REQUESTS
        assert requests_counted(metrics, "/from-a-previous-run") == 0, "the directory was not emptied at start"
        assert all(gauge in metrics for gauge in POOL_GAUGES)
    # One set of live gauges per worker (gauge_<mode>_<pid>.db), each removed when its worker stops.
    assert len({name.rsplit("_", 1)[1] for name in live_gauge_files}) == 2, live_gauge_files
    assert exit_code == 0
    assert list(directory.glob("gauge_live*")) == [], "a worker that stopped left its gauges behind"
