"""The README's Performance table, rendered from a run's report (``results/latest.json``)."""

import json
import sys
from pathlib import Path
from typing import Any

LABELS = {
    "S0": "S0 `GET /health`",
    "S1": "S1 lookup, cache warm",
    "S2": "S2 lookup, database",
    "S3": "S3 `GET /users/me`",
    "S4": "S4 login",
    "S5": "S5 register with a code",
    "S1|S4": "S1 while S4 runs",
    "MIX": "MIX",
    "C1": "C1 conversion, qualifying",
    "C1k": "C1k the same, with an Idempotency-Key",
    "C2": "C2 stats, 10,000 referrals",
    "C3": "C3 event feed, 100 a page",
    "C4": "C4 `GET /referrals/{id}`, key",
    "C4t": "C4t the same, referrer's token",
}
BACKENDS = {"sqlite": "SQLite", "postgres": "PostgreSQL + Valkey"}
# Throughput of the argon2-bound scenarios is compared with the hash rate, not with S0.
HASH_BOUND = frozenset({"S4", "S5"})


def render(report: dict[str, Any]) -> str:
    configurations = report["configurations"]
    heading = [
        f"{BACKENDS.get(c['backend'], c['backend'])}, {c['workers']} worker{'s' if c['workers'] > 1 else ''}"
        for c in configurations
    ]
    rows = [["scenario", *heading], ["---"] * (len(heading) + 1)]
    for scenario, label in LABELS.items():
        cells = [_throughput(_figures(c, scenario), scenario) for c in configurations]
        if any(cells):
            rows.append([label, *cells])
    rows.append(["S0 ÷ bare Litestar, same server", *(_bare_ratio(c) for c in configurations)])
    rows.append(["S2 ÷ its select on bare asyncpg, same server", *(_bare_asyncpg_ratio(c) for c in configurations)])
    rows.append(["S4 ÷ argon2's own rate, just before", *(_hash_ratio(c) for c in configurations)])
    rows.append(["S1 p99 while S4 runs ÷ alone", *(_p99_ratio(c, "S1|S4", "S1") for c in configurations)])
    rows.append(
        [
            "p99 ÷ p50, S0 / S1 / S2 / S3",
            *(" / ".join(_tail(c, s) for s in ("S0", "S1", "S2", "S3")) for c in configurations),
        ]
    )
    for name in ("C1 / S2", "C2 / S2", "C4 / C4t", "C1k / C1"):
        cells = [_programme_ratio(c, name) for c in configurations]
        if any(cells):
            rows.append([name.replace("/", "÷"), *cells])
    rows.append(["RSS per worker as MIX ends", *(_megabytes(c["rss_mb_per_worker"]) for c in configurations)])
    rows.append(["… and 3 s later", *(_megabytes(c.get("rss_mb_per_worker_at_rest", [])) for c in configurations)])
    after_programme = [_megabytes(c.get("rss_mb_per_worker_after_programme", [])) for c in configurations]
    if any(after_programme):
        rows.append(["RSS per worker as C1–C4 end", *after_programme])
    return "\n".join("| " + " | ".join(row) + " |" for row in rows) + "\n"


def _figures(configuration: dict[str, Any], scenario: str) -> dict[str, Any] | None:
    return next((f for f in configuration["figures"] if f["scenario"] == scenario), None)


def _throughput(figures: dict[str, Any] | None, scenario: str) -> str:
    if figures is None:
        return ""
    if scenario in HASH_BOUND or figures["ratio_to_s0"] is None:
        return f"{figures['rps']:,.0f}"
    return f"{figures['rps']:,.0f} ({figures['ratio_to_s0']:.3f})"


def _bare_ratio(configuration: dict[str, Any]) -> str:
    s0 = _figures(configuration, "S0")
    bare = configuration.get("bare_litestar_rps")
    return f"{s0['rps'] / bare:.2f}" if s0 and bare else ""


def _bare_asyncpg_ratio(configuration: dict[str, Any]) -> str:
    s2, bare = _figures(configuration, "S2"), configuration.get("bare_asyncpg_s2")
    return f"{s2['rps'] / bare['rps']:.2f} of {bare['rps']:,.0f}/s" if s2 and bare else ""


def _hash_ratio(configuration: dict[str, Any]) -> str:
    s4, hash_rate = _figures(configuration, "S4"), configuration.get("argon2_hashes_per_second")
    return f"{s4['rps'] / hash_rate:.2f} of {hash_rate:.0f}/s" if s4 and hash_rate else ""


def _p99_ratio(configuration: dict[str, Any], during: str, alone: str) -> str:
    under, solo = _figures(configuration, during), _figures(configuration, alone)
    return f"{under['p99_ms'] / solo['p99_ms']:.2f}" if under and solo else ""


def _tail(configuration: dict[str, Any], scenario: str) -> str:
    figures = _figures(configuration, scenario)
    return f"{figures['p99_ms'] / figures['p50_ms']:.1f}" if figures else "–"


def _programme_ratio(configuration: dict[str, Any], name: str) -> str:
    value = configuration.get("programme_ratios", {}).get(name)
    return f"{value:.2f}" if value else ""


def _megabytes(sizes: list[float]) -> str:
    return ", ".join(f"{size:.0f}" for size in sizes) + " MB" if sizes else ""


if __name__ == "__main__":
    source = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).parent / "results" / "latest.json"
    sys.stdout.write(render(json.loads(source.read_text())))
