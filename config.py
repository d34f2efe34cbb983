"""Typed settings read from the environment, one profile per way the app runs.

Every setting comes from an environment variable so that secrets never live in the repository.
The production profile refuses to start on a missing or weak SECRET_KEY: a tool that signs
sessions and LTI messages with a guessable key would let anyone act as any practitioner.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

PROFILES = ("development", "test", "production")
DEVELOPMENT_SECRET = "dev-only-secret-do-not-use-in-production"  # noqa: S105 (a marker, not a secret)
MIN_SECRET_LENGTH = 32
ROOT_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = ROOT_DIR / "instance"


class SettingsError(RuntimeError):
    """The environment does not describe a runnable configuration."""


@dataclass(frozen=True)
class Settings:
    """Everything the app needs to know about where and how it runs."""

    profile: str
    secret_key: str
    database_url: str
    redis_url: str | None = None
    proxy_fix_hops: int = 0
    demo_lms_enabled: bool = False
    secure_cookies: bool = False
    platform_keyset_cache_seconds: int = 3600
    launch_state_seconds: int = 24 * 3600
    # Whether LMSs connected by dynamic registration wait for a director's or operator's approval.
    registration_needs_approval: bool = True
    courses_dir: Path = ROOT_DIR / "courses"
    quizzes_dir: Path = ROOT_DIR / "quizzes"
    toolkit_dir: Path = ROOT_DIR / "toolkit"
    rubric_file: Path = ROOT_DIR / "rubrics" / "treatment-integrity.yaml"
    fidelity_scale_file: Path = ROOT_DIR / "rubrics" / "fidelity-scale.yaml"
    smtp_host: str | None = None
    smtp_port: int = 587
    smtp_user: str | None = None
    smtp_password: str | None = None
    smtp_from: str = "IMR Academy <no-reply@localhost>"
    smtp_starttls: bool = True
    extra: Mapping[str, Any] = field(default_factory=dict)

    @property
    def testing(self) -> bool:
        """True for the test profile, which Flask uses to propagate exceptions."""
        return self.profile == "test"

    @property
    def tasks_in_process(self) -> bool:
        """Without Redis there is no broker, so Celery tasks run eagerly in the request."""
        return self.redis_url is None

    def with_overrides(self, **changes: Any) -> Settings:
        """A copy with some fields changed, for tests and tools."""
        return replace(self, **changes)


def normalise_database_url(url: str) -> str:
    """Accept the URL forms hosting providers hand out and pick the psycopg 3 driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _flag(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    if raw.lower() in {"1", "true", "yes", "on"}:
        return True
    if raw.lower() in {"0", "false", "no", "off"}:
        return False
    raise SettingsError(f"{name} must be true or false, not {raw!r}")


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a whole number, not {raw!r}") from None


def _secret_key(env: Mapping[str, str], profile: str) -> str:
    key = env.get("SECRET_KEY", "")
    if profile != "production":
        return key or DEVELOPMENT_SECRET
    if not key or key == DEVELOPMENT_SECRET or len(key) < MIN_SECRET_LENGTH:
        raise SettingsError(
            "SECRET_KEY must be set to a random value of at least "
            f"{MIN_SECRET_LENGTH} characters in production, for example the output of "
            "`python -c 'import secrets; print(secrets.token_urlsafe(48))'`."
        )
    return key


def _database_url(env: Mapping[str, str], profile: str) -> str:
    url = env.get("DATABASE_URL", "")
    if url:
        return normalise_database_url(url)
    if profile == "production":
        raise SettingsError("DATABASE_URL must be set in production (PostgreSQL).")
    return f"sqlite:///{INSTANCE_DIR / f'imr-academy-{profile}.sqlite'}"


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    """Build settings from the environment (os.environ unless another mapping is given)."""
    env = os.environ if env is None else env
    profile = env.get("IMR_PROFILE", "development")
    if profile not in PROFILES:
        raise SettingsError(f"IMR_PROFILE must be one of {', '.join(PROFILES)}, not {profile!r}")
    production = profile == "production"
    return Settings(
        profile=profile,
        secret_key=_secret_key(env, profile),
        database_url=_database_url(env, profile),
        redis_url=env.get("REDIS_URL") or None,
        proxy_fix_hops=_int(env, "PROXY_FIX_HOPS", 1 if production else 0),
        demo_lms_enabled=not production and _flag(env, "DEMO_LMS", profile == "development"),
        secure_cookies=_flag(env, "SECURE_COOKIES", production),
        platform_keyset_cache_seconds=_int(env, "PLATFORM_KEYSET_CACHE_SECONDS", 3600),
        registration_needs_approval=_flag(env, "LTI_REGISTRATION_APPROVAL", True),
        courses_dir=Path(env.get("COURSES_DIR") or ROOT_DIR / "courses"),
        quizzes_dir=Path(env.get("QUIZZES_DIR") or ROOT_DIR / "quizzes"),
        toolkit_dir=Path(env.get("TOOLKIT_DIR") or ROOT_DIR / "toolkit"),
        smtp_host=env.get("SMTP_HOST") or None,
        smtp_port=_int(env, "SMTP_PORT", 587),
        smtp_user=env.get("SMTP_USER") or None,
        smtp_password=env.get("SMTP_PASSWORD") or None,
        smtp_from=env.get("SMTP_FROM") or "IMR Academy <no-reply@localhost>",
        smtp_starttls=_flag(env, "SMTP_STARTTLS", True),
    )
