"""Settings from the environment, failing fast where a wrong value would be dangerous."""

from __future__ import annotations

import runpy

import pytest

from config import (
    DEVELOPMENT_SECRET,
    ROOT_DIR,
    SettingsError,
    load_settings,
    normalise_database_url,
)

STRONG = "x" * 48


PRODUCTION = {
    "IMR_PROFILE": "production",
    "SECRET_KEY": STRONG,
    "DATABASE_URL": "postgresql://db/imr",
    "PUBLIC_URL": "https://imr.example.org",
}


def test_development_defaults_need_nothing_installed():
    settings = load_settings({"IMR_PROFILE": "development"})
    assert settings.profile == "development"
    assert settings.public_url == "http://127.0.0.1:5000"
    assert settings.private_outbound_allowed
    assert settings.database_url.startswith("sqlite:///")
    assert settings.demo_lms_enabled
    assert settings.tasks_in_process


def test_port_moves_the_development_profiles_public_address():
    """The demo LMS registers and launches at the public address, so it must follow PORT."""
    settings = load_settings({"IMR_PROFILE": "development", "PORT": "5001"})
    assert settings.public_url == "http://127.0.0.1:5001"
    assert load_settings({"IMR_PROFILE": "development"}).public_url == "http://127.0.0.1:5000"


@pytest.mark.parametrize("secret", ["", DEVELOPMENT_SECRET, "short"])
def test_production_refuses_a_missing_or_weak_secret(secret):
    with pytest.raises(SettingsError, match="SECRET_KEY"):
        load_settings({**PRODUCTION, "SECRET_KEY": secret})


def test_a_server_started_without_a_profile_runs_production_and_refuses_a_missing_secret():
    with pytest.raises(SettingsError, match="SECRET_KEY"):
        load_settings({})
    settings = load_settings({key: v for key, v in PRODUCTION.items() if key != "IMR_PROFILE"})
    assert settings.profile == "production"
    assert not settings.demo_lms_enabled


@pytest.mark.parametrize(
    ("public_url", "problem"),
    [("", "PUBLIC_URL must be set"), ("http://imr.example.org", "https"), ("imr", "full URL")],
)
def test_production_needs_an_https_public_url(public_url, problem):
    with pytest.raises(SettingsError, match=problem):
        load_settings({**PRODUCTION, "PUBLIC_URL": public_url})


def test_production_trusts_only_the_public_host_and_those_named():
    assert load_settings(PRODUCTION).trusted_hosts == ("imr.example.org",)
    settings = load_settings({**PRODUCTION, "TRUSTED_HOSTS": "imr.internal, 10.0.0.5"})
    assert settings.trusted_hosts == ("imr.example.org", "imr.internal", "10.0.0.5")
    assert load_settings({"IMR_PROFILE": "test"}).trusted_hosts is None


def test_private_addresses_are_reachable_only_on_a_developers_machine():
    assert not load_settings(PRODUCTION).private_outbound_allowed
    assert not load_settings(
        {**PRODUCTION, "PRIVATE_OUTBOUND_ALLOWED": "true"}
    ).private_outbound_allowed
    assert not load_settings({"IMR_PROFILE": "test"}).private_outbound_allowed


def test_an_operator_names_the_private_networks_its_lms_lives_on():
    settings = load_settings(
        {**PRODUCTION, "LMS_PRIVATE_NETWORKS": "10.20.0.0/16, 10.30.1.7, fd00:20::/64"}
    )
    assert settings.lms_private_networks == ("10.20.0.0/16", "10.30.1.7/32", "fd00:20::/64")
    assert load_settings(PRODUCTION).lms_private_networks == ()
    with pytest.raises(
        SettingsError, match=r"LMS_PRIVATE_NETWORKS must list IP networks .* 'moodle\.intranet'"
    ):
        load_settings({**PRODUCTION, "LMS_PRIVATE_NETWORKS": "10.20.0.0/16,moodle.intranet"})


def test_sessions_have_an_idle_and_an_absolute_limit():
    settings = load_settings({"IMR_PROFILE": "test"})
    assert (settings.session_idle_minutes, settings.session_absolute_hours) == (480, 24)
    changed = load_settings(
        {"IMR_PROFILE": "test", "SESSION_IDLE_MINUTES": "30", "SESSION_ABSOLUTE_HOURS": "8"}
    )
    assert (changed.session_idle_minutes, changed.session_absolute_hours) == (30, 8)


def test_production_needs_a_database_and_never_serves_the_demo_lms():
    with pytest.raises(SettingsError, match="DATABASE_URL"):
        load_settings({**PRODUCTION, "DATABASE_URL": ""})
    settings = load_settings(
        {**PRODUCTION, "DATABASE_URL": "postgres://db/imr", "DEMO_LMS": "true"}
    )
    assert not settings.demo_lms_enabled
    assert settings.secure_cookies
    assert settings.proxy_fix_hops == 1
    assert settings.database_url == "postgresql+psycopg://db/imr"


@pytest.mark.parametrize(
    ("name", "value"),
    [("IMR_PROFILE", "staging"), ("DEMO_LMS", "maybe"), ("PROXY_FIX_HOPS", "two")],
)
def test_bad_values_are_named(name, value):
    with pytest.raises(SettingsError, match=name):
        load_settings({"IMR_PROFILE": "development", name: value})


@pytest.mark.parametrize(
    ("name", "value", "words"),
    [
        ("GRADE_RESEND_SECONDS", "0", "from 1 to 86400"),  # beat queued thousands a second
        ("PROXY_FIX_HOPS", "-1", "from 0 to 5"),  # trusted the client's own X-Forwarded-For
        ("SESSION_IDLE_MINUTES", "0", "from 5 to 10080"),
        ("SESSION_ABSOLUTE_HOURS", "-3", "from 1 to 168"),
        ("PORT", "70000", "from 1 to 65535"),
        ("TASK_TIME_LIMIT_SECONDS", "10", "from 60 to 86400"),  # no room for a soft limit
        ("DATABASE_STATEMENT_TIMEOUT_SECONDS", "-1", "from 0 to 3600"),
    ],
)
def test_numbers_outside_their_sensible_range_are_refused(name, value, words):
    with pytest.raises(
        SettingsError, match=f"{name} must be a whole number {words}, not '{value}'"
    ):
        load_settings({"IMR_PROFILE": "development", name: value})


def test_redis_switches_tasks_out_of_process():
    env = {"IMR_PROFILE": "development", "REDIS_URL": "redis://127.0.0.1:6379/0"}
    assert not load_settings(env).tasks_in_process


def test_database_urls_pick_the_psycopg_driver():
    assert normalise_database_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalise_database_url("sqlite:///x.db") == "sqlite:///x.db"


def test_mail_is_encrypted_by_default_and_plain_only_to_this_machine():
    assert load_settings(PRODUCTION).smtp_security == "starttls"
    relay = {**PRODUCTION, "SMTP_HOST": "localhost", "SMTP_SECURITY": "none"}
    assert load_settings(relay).smtp_security == "none"
    with pytest.raises(SettingsError, match=r"clear text.*'smtp\.example\.org'"):
        load_settings({**relay, "SMTP_HOST": "smtp.example.org"})
    with pytest.raises(SettingsError, match="SMTP_SECURITY must be one of"):
        load_settings({**PRODUCTION, "SMTP_SECURITY": "ssl3"})


def test_the_retired_starttls_switch_is_named_rather_than_ignored():
    """SMTP_STARTTLS=false once meant plain text; silently ignoring it would change nothing visible."""
    with pytest.raises(SettingsError, match="SMTP_STARTTLS is replaced by SMTP_SECURITY"):
        load_settings({**PRODUCTION, "SMTP_STARTTLS": "false"})


def test_a_private_mail_authority_must_be_a_file(tmp_path):
    with pytest.raises(SettingsError, match="SMTP_CA_FILE names"):
        load_settings({**PRODUCTION, "SMTP_CA_FILE": str(tmp_path / "missing.pem")})
    bundle = tmp_path / "ca.pem"
    bundle.write_text("-----BEGIN CERTIFICATE-----\n")
    assert load_settings({**PRODUCTION, "SMTP_CA_FILE": str(bundle)}).smtp_ca_file == bundle


def test_gunicorn_refuses_to_start_no_workers(monkeypatch):
    """WEB_CONCURRENCY=0 started a server whose requests hung, answered by nobody."""
    monkeypatch.setenv("WEB_CONCURRENCY", "0")
    with pytest.raises(SystemExit, match="WEB_CONCURRENCY must be a whole number of at least 1"):
        runpy.run_path(str(ROOT_DIR / "gunicorn.conf.py"))
    monkeypatch.setenv("WEB_CONCURRENCY", "3")
    assert runpy.run_path(str(ROOT_DIR / "gunicorn.conf.py"))["workers"] == 3


@pytest.mark.parametrize(
    ("name", "value", "words"),
    [
        ("DATABASE_URL", "notaurl", "DATABASE_URL is not a database URL"),
        ("DATABASE_URL", "mysql://imr:s3cret@db/imr", "names a 'mysql' database"),
        ("REDIS_URL", "http://127.0.0.1:6379/10", "REDIS_URL must be a Redis URL"),
        ("REDIS_URL", "redis://127.0.0.1:6379/abc", "with a database number"),
    ],
)
def test_a_database_or_redis_address_that_cannot_work_is_named(name, value, words):
    with pytest.raises(SettingsError, match=words) as refused:
        load_settings({**PRODUCTION, name: value})
    assert "s3cret" not in str(refused.value), "a password in the URL is never repeated"


def test_the_addresses_production_uses_are_taken():
    settings = load_settings({**PRODUCTION, "REDIS_URL": "rediss://:pw@cache.example.org:6380/2"})
    assert settings.redis_url == "rediss://:pw@cache.example.org:6380/2"
    assert load_settings({**PRODUCTION, "DATABASE_URL": "sqlite:////srv/imr.sqlite"}).database_url
