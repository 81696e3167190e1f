"""compose.yaml, checked without a container engine: the Compose Specification schema, then what we promise."""

import json
import re
import shutil
import subprocess
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from sqlalchemy.engine import make_url

from referrals.bootstrap.config import Settings, load_settings
from tests.conftest import PROJECT_ROOT

COMPOSE_FILE = PROJECT_ROOT / "compose.yaml"
LONG_RUNNING = ("postgres", "valkey", "app")
INTERPOLATION = re.compile(r"(?<!\$)\$\{([^}]*)\}")  # $${...} is an escaped, literal ${...}


def compose_spec_schema() -> dict[str, Any]:
    # The official schema (compose-spec/compose-spec), as vendored by the check-jsonschema release pinned in
    # uv.lock: a reproducible copy that needs no network at test time.
    schema = resources.files("check_jsonschema.builtin_schemas.vendor").joinpath("compose-spec.json")
    loaded: dict[str, Any] = json.loads(schema.read_text(encoding="utf-8"))
    return loaded


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(COMPOSE_FILE.read_text())
    return loaded


@pytest.fixture(scope="module")
def services(compose: dict[str, Any]) -> dict[str, Any]:
    found: dict[str, Any] = compose["services"]
    return found


def test_the_schema_is_the_compose_specification() -> None:
    schema = compose_spec_schema()

    assert schema["title"] == "Compose Specification"
    jsonschema.validators.validator_for(schema).check_schema(schema)


def test_compose_file_is_valid_against_the_compose_specification(compose: dict[str, Any]) -> None:
    schema = compose_spec_schema()
    validator = jsonschema.validators.validator_for(schema)(schema)

    errors = [f"{'/'.join(map(str, error.absolute_path))}: {error.message}" for error in validator.iter_errors(compose)]

    assert errors == []


def test_the_schema_check_does_catch_mistakes(compose: dict[str, Any]) -> None:
    broken = json.loads(json.dumps(compose))
    broken["services"]["app"]["depends_on"]["migrate"]["condition"] = "service_finished"
    broken["services"]["postgres"]["healthcheck"]["intervall"] = "5s"
    schema = compose_spec_schema()

    errors = jsonschema.validators.validator_for(schema)(schema).iter_errors(broken)
    paths = {"/".join(map(str, error.absolute_path)) for error in errors}

    assert {"services/postgres/healthcheck", "services/app/depends_on"} <= paths


def test_the_stack_is_postgres_valkey_a_migration_and_the_service(services: dict[str, Any]) -> None:
    assert set(services) == {"postgres", "valkey", "migrate", "app"}


@pytest.mark.parametrize(("service", "repository"), [("postgres", "postgres"), ("valkey", "valkey/valkey")])
def test_official_images_pinned_to_a_major_version(services: dict[str, Any], service: str, repository: str) -> None:
    assert re.fullmatch(rf"{re.escape(repository)}:\d+", services[service]["image"])


def test_migrate_runs_once_after_postgres_is_healthy_and_before_the_app(services: dict[str, Any]) -> None:
    migrate, app = services["migrate"], services["app"]

    assert migrate["command"] == ["alembic", "upgrade", "head"]
    assert migrate["restart"] == "no"
    assert migrate["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert app["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert app["depends_on"]["valkey"]["condition"] == "service_healthy"
    assert app["depends_on"]["postgres"]["condition"] == "service_healthy"


def test_migrate_and_app_run_one_image_built_from_the_containerfile(services: dict[str, Any]) -> None:
    migrate, app = services["migrate"], services["app"]

    assert migrate["build"] == app["build"] == {"context": ".", "dockerfile": "Containerfile"}
    assert migrate["image"] == app["image"]
    assert "command" not in app, "the app runs the image's own CMD"


@pytest.mark.parametrize("service", LONG_RUNNING)
def test_long_running_services_have_healthchecks(services: dict[str, Any], service: str) -> None:
    healthcheck = services[service]["healthcheck"]

    assert healthcheck["test"][0] in {"CMD", "CMD-SHELL"}
    assert healthcheck.get("disable") is not True


def test_the_app_healthcheck_asks_health(services: dict[str, Any]) -> None:
    assert "/health" in " ".join(services["app"]["healthcheck"]["test"])


def test_the_app_gets_time_to_finish_in_flight_requests(services: dict[str, Any]) -> None:
    app = services["app"]

    assert app["stop_signal"] == "SIGTERM"
    grace = re.fullmatch(r"(\d+)s", app["stop_grace_period"])
    assert grace
    # The server kills its own stuck workers first, so the engine's SIGKILL never cuts a shutdown short.
    assert int(grace[1]) > Settings().server.shutdown_timeout


def test_postgres_keeps_its_data_in_a_named_volume(compose: dict[str, Any], services: dict[str, Any]) -> None:
    mounts = services["postgres"]["volumes"]

    assert "postgres-data:/var/lib/postgresql/data" in mounts
    for service in services.values():
        for mount in service.get("volumes", []):
            source = mount.split(":", 1)[0]
            assert not source.startswith((".", "/", "~")), f"{mount}: bind mounts are not part of this stack"
            assert source in compose["volumes"]


@pytest.mark.parametrize("service", ["migrate", "app"])
def test_configuration_comes_from_env_file(services: dict[str, Any], service: str) -> None:
    assert services[service]["env_file"] == ".env"


@pytest.mark.parametrize("service", ["migrate", "app"])
def test_the_service_is_wired_to_the_other_containers(services: dict[str, Any], service: str) -> None:
    environment = services[service]["environment"]

    database = make_url(environment["DATABASE_URL"])
    assert (database.drivername, database.host, database.port) == ("postgresql+asyncpg", "postgres", 5432)
    assert environment["VALKEY_URL"].startswith("valkey://valkey:6379")
    # Fixed here so that a development .env (APP_ENV=development, HOST=127.0.0.1) cannot leak into the container.
    assert (environment["APP_ENV"], environment["HOST"], environment["PORT"]) == ("production", "0.0.0.0", "8000")  # noqa: S104


def test_every_interpolated_variable_has_a_default() -> None:
    # Credentials come from .env when it sets them; the stack still starts with the defaults when it does not.
    variables = INTERPOLATION.findall(COMPOSE_FILE.read_text())

    assert variables
    assert [variable for variable in variables if ":-" not in variable] == []


def with_defaults(value: str) -> str:
    return INTERPOLATION.sub(lambda match: match[1].partition(":-")[2], value)


def make_env_file(directory: Path) -> None:
    make = shutil.which("make")
    if make is None:
        pytest.skip("make is not installed")
    subprocess.run([make, "-f", PROJECT_ROOT / "Makefile", ".env"], cwd=directory, check=True, capture_output=True)


def test_the_env_file_make_up_writes_starts_the_service_in_production(services: dict[str, Any], tmp_path: Path) -> None:
    shutil.copyfile(PROJECT_ROOT / ".env.example", tmp_path / ".env.example")
    make_env_file(tmp_path)
    environment = {name: with_defaults(value) for name, value in services["app"]["environment"].items()}

    settings = load_settings(environment, env_file=tmp_path / ".env")

    assert settings.server.app_env == "production"
    assert settings.security.jwt_secret is not None
    assert make_url(settings.database.url).host == "postgres"
    # A second `make up` leaves an existing .env alone.
    before = (tmp_path / ".env").read_text()
    make_env_file(tmp_path)
    assert (tmp_path / ".env").read_text() == before
