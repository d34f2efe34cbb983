"""Settings from the environment, failing fast where a wrong value would be dangerous."""

from __future__ import annotations

import pytest

from config import DEVELOPMENT_SECRET, SettingsError, load_settings, normalise_database_url

STRONG = "x" * 48


def test_development_defaults_need_nothing_installed():
    settings = load_settings({})
    assert settings.profile == "development"
    assert settings.database_url.startswith("sqlite:///")
    assert settings.demo_lms_enabled
    assert settings.tasks_in_process


@pytest.mark.parametrize("secret", ["", DEVELOPMENT_SECRET, "short"])
def test_production_refuses_a_missing_or_weak_secret(secret):
    with pytest.raises(SettingsError, match="SECRET_KEY"):
        load_settings(
            {
                "IMR_PROFILE": "production",
                "SECRET_KEY": secret,
                "DATABASE_URL": "postgresql://db/imr",
            }
        )


def test_production_needs_a_database_and_never_serves_the_demo_lms():
    with pytest.raises(SettingsError, match="DATABASE_URL"):
        load_settings({"IMR_PROFILE": "production", "SECRET_KEY": STRONG})
    settings = load_settings(
        {
            "IMR_PROFILE": "production",
            "SECRET_KEY": STRONG,
            "DATABASE_URL": "postgres://db/imr",
            "DEMO_LMS": "true",
        }
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
        load_settings({name: value})


def test_redis_switches_tasks_out_of_process():
    assert not load_settings({"REDIS_URL": "redis://127.0.0.1:6379/0"}).tasks_in_process


def test_database_urls_pick_the_psycopg_driver():
    assert normalise_database_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalise_database_url("sqlite:///x.db") == "sqlite:///x.db"
