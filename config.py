"""Typed settings read from the environment, one profile per way the app runs.

Every setting comes from an environment variable so that secrets never live in the repository.
The production profile refuses to start on a missing or weak SECRET_KEY: a tool that signs
sessions and LTI messages with a guessable key would let anyone act as any practitioner. It is
also the profile a server gets when IMR_PROFILE is not set, so a forgotten variable fails safe;
`make run` and the tests name their profile.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

PROFILES = ("development", "test", "production")
DEVELOPMENT_SECRET = "dev-only-secret-do-not-use-in-production"  # noqa: S105 (a marker, not a secret)
MIN_SECRET_LENGTH = 32
ROOT_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = ROOT_DIR / "instance"
# The PostgreSQL advisory lock a migration run holds (migrations/env.py): one release at a time.
MIGRATION_LOCK_KEY = 4_617_300_512


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
    # How mail reaches the server: "starttls" (required, the certificate checked), "tls" (TLS
    # from the first byte, usually port 465) or "none" (a relay on this machine only).
    smtp_security: str = "starttls"
    # A CA bundle for a mail server whose certificate a private authority signed.
    smtp_ca_file: Path | None = None
    # The address people and LMSs reach IMR Academy at: every public link is built from it,
    # never from the request's Host header (which a client controls).
    public_url: str = "http://localhost"
    # Hosts the app answers for; any other Host header gets a 400 (production: PUBLIC_URL's host).
    trusted_hosts: tuple[str, ...] | None = None
    session_idle_minutes: int = 8 * 60
    session_absolute_hours: int = 24
    # Outbound calls may reach loopback and private addresses only on a developer's machine, so
    # a registration URL cannot be used to probe the servers' own network.
    private_outbound_allowed: bool = False
    lms_private_networks: tuple[str, ...] = ()
    # The proxies whose X-Forwarded-* headers are believed; none named: loopback and private.
    trusted_proxy_networks: tuple[str, ...] = ()
    # How often Celery beat resends grades still undelivered (a broker that was down when the
    # quiz was submitted, a worker that died while sending).
    grade_resend_seconds: int = 900
    # A practitioner with training or quizzes left and no progress for this many days is listed
    # on the trainer's home as falling behind.
    falling_behind_days: int = 14
    # PostgreSQL: the longest one statement may run, waiting for locks included (0: no limit).
    database_statement_timeout_seconds: int = 30
    # Celery: a task is interrupted 30 seconds before this, and its process replaced at it.
    task_time_limit_seconds: int = 1800
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


def _int(env: Mapping[str, str], name: str, default: int, lowest: int, highest: int) -> int:
    """A whole number in the range that makes sense: 0 seconds between grade resends queued
    thousands of tasks a second, and -1 proxy hops trusted the client's own X-Forwarded-For."""
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        value = None
    if value is None or not lowest <= value <= highest:
        raise SettingsError(
            f"{name} must be a whole number from {lowest} to {highest}, not {raw!r}"
        )
    return value


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


DATABASE_DRIVERS = ("postgresql+psycopg", "sqlite", "sqlite+pysqlite")
REDIS_SCHEMES = ("redis", "rediss", "unix")


def _database_url(env: Mapping[str, str], profile: str) -> str:
    url = env.get("DATABASE_URL", "")
    if url:
        return _checked_database_url(normalise_database_url(url))
    if profile == "production":
        raise SettingsError("DATABASE_URL must be set in production (PostgreSQL).")
    return f"sqlite:///{INSTANCE_DIR / f'imr-academy-{profile}.sqlite'}"


def _checked_database_url(url: str) -> str:
    """A URL SQLAlchemy can open with a driver IMR Academy ships; the message never repeats
    the URL itself, which may hold a password."""
    try:
        driver = make_url(url).drivername
    except ArgumentError:
        raise SettingsError(
            "DATABASE_URL is not a database URL: give one such as "
            "postgresql://user:password@host:5432/imr (or sqlite:////path/imr.sqlite)."
        ) from None
    if driver not in DATABASE_DRIVERS:
        raise SettingsError(
            f"DATABASE_URL names a {driver!r} database: IMR Academy runs on PostgreSQL "
            "(postgresql://…) or SQLite (sqlite:///…)."
        )
    return url


def _redis_url(env: Mapping[str, str]) -> str | None:
    """REDIS_URL, if set, as the redis client reads it: redis://, rediss:// or unix://, with a
    database number (redis://host:6379/abc was taken as database 0)."""
    url = (env.get("REDIS_URL") or "").strip()
    if not url:
        return None
    parts = urlsplit(url)
    number = parts.path.strip("/")
    if parts.scheme not in REDIS_SCHEMES or (
        parts.scheme != "unix" and number and not number.isdigit()
    ):
        raise SettingsError(
            "REDIS_URL must be a Redis URL such as redis://host:6379/0 (rediss:// for TLS, "
            "unix:// for a socket), with a database number if any."
        )
    return url


def _public_url(env: Mapping[str, str], profile: str) -> str:
    url = (env.get("PUBLIC_URL") or "").rstrip("/")
    if not url:
        if profile == "production":
            raise SettingsError(
                "PUBLIC_URL must be set in production: the https address LMSs and people reach "
                "IMR Academy at, for example https://imr.example.org"
            )
        port = _int(env, "PORT", 5000, 1, 65535)
        return f"http://127.0.0.1:{port}" if profile == "development" else "http://localhost"
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.hostname or parts.query:
        raise SettingsError(
            f"PUBLIC_URL must be a full URL such as https://imr.example.org, not {url!r}"
        )
    if profile == "production" and parts.scheme != "https":
        raise SettingsError(f"PUBLIC_URL must use https in production, not {url!r}")
    return url


def _networks(env: Mapping[str, str], name: str) -> tuple[str, ...]:
    """Comma-separated IP networks (10.20.0.0/16, fd00:20::/64), each checked and written out."""
    found = []
    for part in (p.strip() for p in (env.get(name) or "").split(",")):
        if not part:
            continue
        try:
            found.append(str(ipaddress.ip_network(part, strict=False)))
        except ValueError:
            raise SettingsError(
                f"{name} must list IP networks such as 10.20.0.0/16, not {part!r}"
            ) from None
    return tuple(found)


SMTP_SECURITY = ("starttls", "tls", "none")


def _smtp_security(env: Mapping[str, str]) -> str:
    """How mail is protected on its way: never in clear text to another machine.

    A password or a reminder sent in clear text can be read, and an offered STARTTLS stripped,
    by anyone on the path; plain SMTP is therefore allowed only to a relay on this machine.
    """
    if "SMTP_STARTTLS" in env:
        raise SettingsError(
            "SMTP_STARTTLS is replaced by SMTP_SECURITY: starttls (the default), tls or none."
        )
    security = (env.get("SMTP_SECURITY") or "starttls").strip().lower()
    if security not in SMTP_SECURITY:
        raise SettingsError(
            f"SMTP_SECURITY must be one of {', '.join(SMTP_SECURITY)}, not {security!r}"
        )
    host = (env.get("SMTP_HOST") or "").strip()
    if security == "none" and host and not _loopback(host):
        raise SettingsError(
            f"SMTP_SECURITY=none sends mail and the SMTP password in clear text, so it is only "
            f"allowed for a relay on this machine (localhost), not {host!r}: use starttls or tls."
        )
    return security


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _existing_file(env: Mapping[str, str], name: str) -> Path | None:
    raw = (env.get(name) or "").strip()
    if not raw:
        return None
    if not Path(raw).is_file():
        raise SettingsError(f"{name} names {raw!r}, which is not a readable file")
    return Path(raw)


def _trusted_hosts(env: Mapping[str, str], profile: str, public_url: str) -> tuple[str, ...] | None:
    extra = tuple(h.strip() for h in (env.get("TRUSTED_HOSTS") or "").split(",") if h.strip())
    if profile != "production" and not extra:
        return None
    return (urlsplit(public_url).hostname or "", *extra)


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    """Build settings from the environment (os.environ unless another mapping is given)."""
    env = os.environ if env is None else env
    profile = env.get("IMR_PROFILE") or "production"
    if profile not in PROFILES:
        raise SettingsError(f"IMR_PROFILE must be one of {', '.join(PROFILES)}, not {profile!r}")
    production = profile == "production"
    secret_key = _secret_key(env, profile)
    public_url = _public_url(env, profile)
    return Settings(
        profile=profile,
        secret_key=secret_key,
        database_url=_database_url(env, profile),
        redis_url=_redis_url(env),
        proxy_fix_hops=_int(env, "PROXY_FIX_HOPS", 1 if production else 0, 0, 5),
        demo_lms_enabled=not production and _flag(env, "DEMO_LMS", profile == "development"),
        secure_cookies=_flag(env, "SECURE_COOKIES", production),
        platform_keyset_cache_seconds=_int(
            env, "PLATFORM_KEYSET_CACHE_SECONDS", 3600, 60, 7 * 24 * 3600
        ),
        registration_needs_approval=_flag(env, "LTI_REGISTRATION_APPROVAL", True),
        courses_dir=Path(env.get("COURSES_DIR") or ROOT_DIR / "courses"),
        quizzes_dir=Path(env.get("QUIZZES_DIR") or ROOT_DIR / "quizzes"),
        toolkit_dir=Path(env.get("TOOLKIT_DIR") or ROOT_DIR / "toolkit"),
        smtp_host=env.get("SMTP_HOST") or None,
        smtp_port=_int(env, "SMTP_PORT", 587, 1, 65535),
        smtp_user=env.get("SMTP_USER") or None,
        smtp_password=env.get("SMTP_PASSWORD") or None,
        smtp_from=env.get("SMTP_FROM") or "IMR Academy <no-reply@localhost>",
        smtp_security=_smtp_security(env),
        smtp_ca_file=_existing_file(env, "SMTP_CA_FILE"),
        public_url=public_url,
        trusted_hosts=_trusted_hosts(env, profile, public_url),
        session_idle_minutes=_int(env, "SESSION_IDLE_MINUTES", 8 * 60, 5, 7 * 24 * 60),
        session_absolute_hours=_int(env, "SESSION_ABSOLUTE_HOURS", 24, 1, 7 * 24),
        private_outbound_allowed=not production
        and _flag(env, "PRIVATE_OUTBOUND_ALLOWED", profile == "development"),
        lms_private_networks=_networks(env, "LMS_PRIVATE_NETWORKS"),
        trusted_proxy_networks=_networks(env, "TRUSTED_PROXY_NETWORKS"),
        grade_resend_seconds=_int(env, "GRADE_RESEND_SECONDS", 900, 1, 24 * 3600),
        falling_behind_days=_int(env, "FALLING_BEHIND_DAYS", 14, 1, 365),
        database_statement_timeout_seconds=_int(
            env, "DATABASE_STATEMENT_TIMEOUT_SECONDS", 30, 0, 3600
        ),
        task_time_limit_seconds=_int(env, "TASK_TIME_LIMIT_SECONDS", 1800, 60, 24 * 3600),
    )
