from pathlib import Path

import pytest

from referrals.bootstrap.config import DEFAULT_DATABASE_URL, Settings, SettingsError, load_settings

SECRET = "s" * 32


def test_defaults_need_no_configuration() -> None:
    settings = load_settings({}, env_file=None)

    assert settings == Settings()
    assert settings.database.url == DEFAULT_DATABASE_URL
    assert (settings.server.host, settings.server.port, settings.security.access_token_ttl) == ("127.0.0.1", 8000, 900)


def test_rate_limits_default_to_the_documented_budgets_and_trust_no_proxy() -> None:
    settings = Settings()

    assert (settings.rate_limits.login_failures_per_account, settings.rate_limits.login_account_window) == (10, 300)
    assert settings.rate_limits.login_failures_per_client == 30
    assert settings.rate_limits.lookups_per_client == 120
    assert settings.rate_limits.registrations_per_client == 30
    assert settings.server.trusted_proxy_networks == ()


def test_trusted_proxies_read_addresses_and_networks() -> None:
    settings = load_settings({"TRUSTED_PROXIES": "10.0.0.0/8, 192.0.2.1 ,2001:db8::/32"}, env_file=None)

    assert [str(network) for network in settings.server.trusted_proxy_networks] == [
        "10.0.0.0/8",
        "192.0.2.1/32",
        "2001:db8::/32",
    ]


def test_values_are_converted_from_their_text() -> None:
    settings = load_settings({"PORT": "9000", "ACCESS_TOKEN_TTL": "60", "DB_POOL_TIMEOUT": "1.5"}, env_file=None)

    assert (settings.server.port, settings.security.access_token_ttl, settings.database.pool_timeout) == (9000, 60, 1.5)


def test_unrelated_and_empty_variables_are_ignored() -> None:
    settings = load_settings({"PATH": "/bin", "JWT_SECRET": "", "port": "1"}, env_file=None)

    assert settings.security.jwt_secret is None
    assert settings.server.port == 8000


@pytest.mark.parametrize(
    ("environ", "named"),
    [
        ({"PORT": "eighty"}, "PORT"),
        ({"PORT": "70000"}, "PORT"),
        ({"ACCESS_TOKEN_TTL": "0"}, "ACCESS_TOKEN_TTL"),
        ({"APP_ENV": "staging"}, "APP_ENV"),
        ({"LOG_LEVEL": "LOUD"}, "LOG_LEVEL"),
        ({"JWT_SECRET": "too-short"}, "JWT_SECRET"),
        ({"APP_ENV": "production"}, "JWT_SECRET"),
        ({"EMAIL_VERIFICATION_REJECT": "invalid,spammy"}, "EMAIL_VERIFICATION_REJECT"),
        ({"EMAIL_VERIFICATION_BUDGET": "0"}, "EMAIL_VERIFICATION_BUDGET"),
        ({"WORKERS": "0"}, "WORKERS"),
        ({"WORKERS": "2"}, "JWT_SECRET"),
        ({"SHUTDOWN_TIMEOUT": "0"}, "SHUTDOWN_TIMEOUT"),
        ({"TRUSTED_PROXIES": "10.0.0.0/8, proxy.internal"}, "TRUSTED_PROXIES"),
        ({"RATE_LIMIT_LOOKUPS_PER_CLIENT": "-1"}, "RATE_LIMIT_LOOKUPS_PER_CLIENT"),
        ({"RATE_LIMIT_LOGIN_ACCOUNT_WINDOW": "0"}, "RATE_LIMIT_LOGIN_ACCOUNT_WINDOW"),
    ],
)
def test_a_bad_setting_is_one_line_naming_the_variable(environ: dict[str, str], named: str) -> None:
    with pytest.raises(SettingsError) as raised:
        load_settings(environ, env_file=None)

    message = str(raised.value)
    assert named in message
    assert "\n" not in message


def test_production_starts_with_a_secret() -> None:
    assert load_settings({"APP_ENV": "production", "JWT_SECRET": SECRET}, env_file=None).security.jwt_secret == SECRET


def test_several_workers_start_with_a_shared_secret() -> None:
    settings = load_settings({"WORKERS": "4", "JWT_SECRET": SECRET}, env_file=None)

    assert (settings.server.workers, settings.security.jwt_secret) == (4, SECRET)


def test_the_environment_wins_over_the_env_file(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text('PORT=9001\nLOG_LEVEL="DEBUG"\n# a comment\nHOST=0.0.0.0\n')

    settings = load_settings({"PORT": "9002"}, env_file=env_file)

    assert (settings.server.port, settings.server.log_level, settings.server.host) == (9002, "DEBUG", "0.0.0.0")  # noqa: S104
