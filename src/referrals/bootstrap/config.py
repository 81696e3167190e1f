"""Settings from the environment (and a ``.env`` file), validated once at startup and grouped by concern.

Each group is a struct of its own, provided to the container on its own, so a provider asks only for the
settings it uses. A field's encoded name is its environment variable, lower-cased: ``DatabaseSettings.pool_size``
is ``DB_POOL_SIZE``. A feature with settings of its own adds a group (and a field of ``Settings``).
"""

import os
from collections.abc import Mapping
from ipaddress import IPv4Network, IPv6Network, ip_network
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

import msgspec
from dotenv import dotenv_values
from msgspec import Meta

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///var/referrals.sqlite3"
MIN_JWT_SECRET_BYTES = 32
KNOWN_VERDICTS = frozenset({"valid", "invalid", "accept_all", "webmail", "disposable", "unknown"})
VALKEY_SCHEMES = ("valkey", "valkeys", "redis", "rediss", "unix")

Seconds = Annotated[int, Meta(ge=1)]


class SettingsError(Exception):
    """A setting that cannot be used; its message is one line naming the variable."""


class ServerSettings(msgspec.Struct, frozen=True, kw_only=True):
    app_env: Literal["development", "production", "test"] = "development"
    host: str = "127.0.0.1"
    port: Annotated[int, Meta(ge=0, le=65535)] = 8000
    workers: Annotated[int, Meta(ge=1)] = 1
    shutdown_timeout: Annotated[int, Meta(ge=1, le=1800)] = 25
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = "INFO"
    # Unset: JSON lines in production, readable text elsewhere.
    log_format: Literal["json", "text"] | None = None
    access_log: bool = True
    max_request_body_bytes: Annotated[int, Meta(ge=1024)] = 1024 * 1024
    # How long a request's body may take to arrive, from the request's start: a trickled body holds a worker.
    request_body_timeout: Annotated[float, Meta(gt=0)] = 30.0
    # How long a connection may wait for a request's headers; on a kept-alive connection that is its idle time.
    request_headers_timeout: Annotated[float, Meta(gt=0)] = 30.0
    # Comma-separated addresses or networks whose X-Forwarded-For is believed; nobody's by default.
    trusted_proxies: str = ""

    @property
    def effective_log_format(self) -> Literal["json", "text"]:
        if self.log_format is not None:
            return self.log_format
        return "json" if self.app_env == "production" else "text"

    @property
    def trusted_proxy_networks(self) -> tuple[IPv4Network | IPv6Network, ...]:
        return tuple(ip_network(item.strip(), strict=False) for item in self.trusted_proxies.split(",") if item.strip())

    def __post_init__(self) -> None:
        try:
            self.trusted_proxy_networks  # noqa: B018 - parsed here so that a typo stops the start, not a request
        except ValueError as error:
            msg = f"TRUSTED_PROXIES: {error}"
            raise SettingsError(msg) from None


class DatabaseSettings(
    msgspec.Struct,
    frozen=True,
    kw_only=True,
    rename={
        "url": "database_url",
        "pool_size": "db_pool_size",
        "pool_timeout": "db_pool_timeout",
        "connect_timeout": "db_connect_timeout",
        "statement_timeout": "db_statement_timeout",
    },
):
    url: Annotated[str, Meta(min_length=1)] = DEFAULT_DATABASE_URL
    pool_size: Annotated[int, Meta(ge=1)] = 10
    # Together they bound how long a request waits on a database that is gone: under 5 s by default.
    pool_timeout: Annotated[float, Meta(gt=0)] = 2.0
    connect_timeout: Annotated[float, Meta(gt=0)] = 2.0
    statement_timeout: Annotated[float, Meta(gt=0)] = 2.5


class SecuritySettings(msgspec.Struct, frozen=True, kw_only=True):
    jwt_secret: str | None = None
    jwt_issuer: str = "referrals"
    jwt_audience: str = "referrals-api"
    access_token_ttl: Seconds = 15 * 60
    refresh_token_ttl: Seconds = 30 * 24 * 3600
    argon2_time_cost: Annotated[int, Meta(ge=1)] = 2
    argon2_memory_kib: Annotated[int, Meta(ge=8)] = 19 * 1024
    argon2_parallelism: Annotated[int, Meta(ge=1)] = 1
    hashing_threads: Annotated[int, Meta(ge=0)] = 0

    def __post_init__(self) -> None:
        if self.jwt_secret is not None and len(self.jwt_secret.encode()) < MIN_JWT_SECRET_BYTES:
            msg = f"JWT_SECRET must be at least {MIN_JWT_SECRET_BYTES} bytes long"
            raise SettingsError(msg)


class CodeSettings(
    msgspec.Struct,
    frozen=True,
    kw_only=True,
    rename={
        "max_lifetime_days": "max_code_lifetime_days",
        "cache_ttl": "code_cache_ttl",
        "cache_max_entries": "code_cache_max_entries",
        "near_cache_ttl": "code_near_cache_ttl",
    },
):
    max_lifetime_days: Annotated[int, Meta(ge=1, le=36500)] = 365
    # 0 turns the code cache off: every lookup reads the database.
    cache_ttl: Annotated[int, Meta(ge=0)] = 300
    cache_max_entries: Annotated[int, Meta(ge=1)] = 100_000
    # With Valkey: how long a process may answer a lookup from its own memory; 0 asks Valkey every time.
    near_cache_ttl: Annotated[float, Meta(ge=0)] = 30.0


class ValkeySettings(msgspec.Struct, frozen=True, kw_only=True, rename=lambda name: f"valkey_{name}"):
    url: str | None = None
    namespace: Annotated[str, Meta(min_length=1, max_length=64)] = "referrals"
    timeout: Annotated[float, Meta(gt=0)] = 0.25
    pool_size: Annotated[int, Meta(ge=1)] = 64
    retry_after: Annotated[float, Meta(ge=0)] = 1.0

    def __post_init__(self) -> None:
        if self.url is not None and urlsplit(self.url).scheme not in VALKEY_SCHEMES:
            msg = f"VALKEY_URL must start with one of {', '.join(s + '://' for s in VALKEY_SCHEMES)}"
            raise SettingsError(msg)


class IntegrationSettings(msgspec.Struct, frozen=True, kw_only=True):
    hunter_api_key: str | None = None
    hunter_base_url: str = "https://api.hunter.io"
    clearbit_api_key: str | None = None
    clearbit_base_url: str = "https://person.clearbit.com"
    integration_timeout: Annotated[float, Meta(gt=0)] = 1.5
    email_verification_budget: Annotated[float, Meta(gt=0)] = 2.0
    email_verification_fail_closed: bool = False
    email_verification_reject: str = "invalid,disposable"

    @property
    def rejected_verdicts(self) -> frozenset[str]:
        return frozenset(item.strip() for item in self.email_verification_reject.split(",") if item.strip())

    def __post_init__(self) -> None:
        unknown = self.rejected_verdicts - KNOWN_VERDICTS
        if unknown:
            msg = f"EMAIL_VERIFICATION_REJECT names unknown verdicts {sorted(unknown)}; known: {sorted(KNOWN_VERDICTS)}"
            raise SettingsError(msg)


class RateLimitSettings(msgspec.Struct, frozen=True, kw_only=True, rename=lambda name: f"rate_limit_{name}"):
    """Attempt budgets; 0 turns one off. Shared through Valkey when VALKEY_URL is set."""

    login_failures_per_account: Annotated[int, Meta(ge=0)] = 10
    login_account_window: Seconds = 300
    login_failures_per_client: Annotated[int, Meta(ge=0)] = 30
    lookups_per_client: Annotated[int, Meta(ge=0)] = 120
    registrations_per_client: Annotated[int, Meta(ge=0)] = 30
    refreshes_per_client: Annotated[int, Meta(ge=0)] = 60


class BackgroundSettings(
    msgspec.Struct,
    frozen=True,
    kw_only=True,
    rename={
        "work": "background_work",
        "interval": "background_interval",
        "batch_size": "background_batch_size",
        "event_retention_days": "event_retention_days",
    },
):
    """Time-driven work: codes expiring, purges. ``python -m referrals worker`` runs it whatever ``work`` says."""

    # Off when dedicated workers do the background work, so that serving processes only serve.
    work: bool = True
    # Seconds between ticks. At most 10: an expiry is promised to be recorded within 60 s of its instant.
    interval: Annotated[float, Meta(gt=0, le=10)] = 5.0
    # Rows one job changes in one short transaction; a job with more to do takes another batch.
    batch_size: Annotated[int, Meta(ge=1, le=10_000)] = 500
    event_retention_days: Annotated[int, Meta(ge=1, le=36500)] = 30


class WebhookSettings(msgspec.Struct, frozen=True, kw_only=True, rename=lambda name: f"webhook_{name}"):
    """Webhook deliveries: how long one attempt may take, when failures are retried, and how many run at once."""

    timeout: Annotated[float, Meta(gt=0, le=60)] = 10.0
    # Seconds to wait before each retry, comma-separated; after the last retry fails the delivery is failed.
    retry_delays: str = "5,300,1800,7200,18000,36000,36000"
    # Lifts both SSRF rules (https only, public addresses only): for development and tests, never production.
    allow_private_networks: bool = False
    concurrency: Annotated[int, Meta(ge=1, le=1000)] = 32
    concurrency_per_endpoint: Annotated[int, Meta(ge=1, le=100)] = 8
    # Seconds between looks for due deliveries when nothing else wakes the dispatcher.
    poll_interval: Annotated[float, Meta(gt=0, le=10)] = 0.5

    @property
    def delays(self) -> tuple[float, ...]:
        return tuple(float(item) for item in self.retry_delays.split(",") if item.strip())

    def __post_init__(self) -> None:
        try:
            delays = self.delays
        except ValueError:
            delays = (-1.0,)
        if any(not 0 <= delay <= 7 * 24 * 3600 for delay in delays):
            msg = "WEBHOOK_RETRY_DELAYS: seconds between 0 and a week, comma-separated (empty: no retries)"
            raise SettingsError(msg)


class FraudSettings(
    msgspec.Struct,
    frozen=True,
    kw_only=True,
    rename={"velocity_per_hour": "referral_velocity_per_hour", "same_client_hours": "referral_same_client_hours"},
):
    """The referral fraud rules (domain/fraud.py): throwaway addresses, and the signals that flag; 0 turns one off."""

    disposable_emails: Literal["reject", "flag", "allow"] = "reject"
    # Comma-separated domains the operator trusts though the list calls them throwaway (their subdomains too).
    disposable_email_allowlist: str = ""
    velocity_per_hour: Annotated[int, Meta(ge=0, le=1_000_000)] = 20
    # How recent the referrer's registration or login from the newcomer's network address must be to flag;
    # also how long those sightings are kept.
    same_client_hours: Annotated[int, Meta(ge=0, le=24 * 30)] = 12

    @property
    def allowed_disposable_domains(self) -> frozenset[str]:
        return frozenset(item.strip() for item in self.disposable_email_allowlist.split(",") if item.strip())


class Settings(msgspec.Struct, frozen=True, kw_only=True):
    server: ServerSettings = msgspec.field(default_factory=ServerSettings)
    database: DatabaseSettings = msgspec.field(default_factory=DatabaseSettings)
    security: SecuritySettings = msgspec.field(default_factory=SecuritySettings)
    codes: CodeSettings = msgspec.field(default_factory=CodeSettings)
    valkey: ValkeySettings = msgspec.field(default_factory=ValkeySettings)
    integrations: IntegrationSettings = msgspec.field(default_factory=IntegrationSettings)
    rate_limits: RateLimitSettings = msgspec.field(default_factory=RateLimitSettings)
    background: BackgroundSettings = msgspec.field(default_factory=BackgroundSettings)
    webhooks: WebhookSettings = msgspec.field(default_factory=WebhookSettings)
    fraud: FraudSettings = msgspec.field(default_factory=FraudSettings)

    def __post_init__(self) -> None:
        if self.security.jwt_secret is None and self.server.app_env == "production":
            msg = "JWT_SECRET is required when APP_ENV=production"
            raise SettingsError(msg)
        if self.security.jwt_secret is None and self.server.workers > 1:
            # Each worker would draw its own random secret and refuse the tokens the others issued.
            msg = "JWT_SECRET is required when WORKERS > 1: every worker must verify the tokens the others sign"
            raise SettingsError(msg)


def _variables_of(group: type[msgspec.Struct]) -> frozenset[str]:
    return frozenset(field.encode_name for field in msgspec.structs.fields(group))


GROUPS: Mapping[str, type[msgspec.Struct]] = {
    field.name: field.type for field in msgspec.structs.fields(Settings) if isinstance(field.type, type)
}
SETTING_NAMES = frozenset(name.upper() for group in GROUPS.values() for name in _variables_of(group))


def settings_from(values: Mapping[str, Any]) -> Settings:
    """Settings from values keyed by variable name in lower case (``db_pool_size``), as text or typed."""
    grouped = {
        name: {key: value for key, value in values.items() if key in _variables_of(group)}
        for name, group in GROUPS.items()
    }
    try:
        return msgspec.convert(grouped, Settings, strict=False)
    except msgspec.ValidationError as error:
        raise SettingsError(_name_the_variable(str(error))) from None


def load_settings(environ: Mapping[str, str] | None = None, env_file: Path | None = Path(".env")) -> Settings:
    """Read settings; the process environment wins over the ``.env`` file, and empty values count as unset."""
    values: dict[str, str] = {}
    if env_file is not None and env_file.is_file():
        values.update({key: value for key, value in dotenv_values(env_file).items() if value is not None})
    values.update(os.environ if environ is None else environ)
    return settings_from(
        {name.lower(): value for name, value in values.items() if name in SETTING_NAMES and value != ""}
    )


def _name_the_variable(message: str) -> str:
    # msgspec says "... - at `$.server.port`"; the user set PORT.
    text, _, path = message.rpartition(" - at `$.")
    if not text:
        return message
    return f"{path.rstrip('`').rpartition('.')[2].upper()}: {text}"
