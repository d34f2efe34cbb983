"""IMR Academy: the application factory."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine

from app.content import ContentPaths, load_content
from app.proxies import FromOurProxies
from app.requests import ImrRequest
from app.urls import RowIdConverter, public_url
from config import INSTANCE_DIR, Settings, load_settings


def _flask_config(settings: Settings) -> dict[str, Any]:
    cross_site = settings.secure_cookies  # inside an LMS iframe on https the cookie is third-party
    return {
        "IMR_SETTINGS": settings,
        "SECRET_KEY": settings.secret_key,
        "TESTING": settings.testing,
        "SQLALCHEMY_DATABASE_URI": settings.database_url,
        "SQLALCHEMY_ENGINE_OPTIONS": _engine_options(settings),
        "SESSION_COOKIE_NAME": "imr_session",
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SECURE": cross_site,
        "SESSION_COOKIE_SAMESITE": "None" if cross_site else "Lax",
        "PREFERRED_URL_SCHEME": "https" if cross_site else "http",
        "WTF_CSRF_TIME_LIMIT": None,  # tokens end with the session, so long reflections survive
        "MAX_CONTENT_LENGTH": 10 * 1024 * 1024,
        # The signed cookie's age is checked on every request: the idle limit. The absolute
        # limit is checked in app.auth.
        "PERMANENT_SESSION_LIFETIME": timedelta(minutes=settings.session_idle_minutes),
        "TRUSTED_HOSTS": list(settings.trusted_hosts) if settings.trusted_hosts else None,
    }


def _engine_options(settings: Settings) -> dict[str, Any]:
    """How every connection is made: checked before use, and bounded on PostgreSQL.

    `pool_pre_ping` replaces a connection the database dropped (a restart, a failover) before a
    request uses it. On PostgreSQL no statement may run longer than
    DATABASE_STATEMENT_TIMEOUT_SECONDS, waiting for a lock included: a query stuck behind
    another's lock, or one gone wrong, would otherwise hold a web thread, a connection and its
    own locks for as long as it lasted. The request then answers 503 and saves nothing
    (app.errors); migrations lift the limit for themselves (migrations/env.py).
    """
    options: dict[str, Any] = {"pool_pre_ping": True}
    seconds = settings.database_statement_timeout_seconds
    if settings.database_url.startswith("postgresql") and seconds:
        options["connect_args"] = {"options": f"-c statement_timeout={seconds * 1000}"}
    return options


def _lower(value: object) -> object:
    """lower() for SQLite as PostgreSQL has it, for every letter: SQLite's own changes A to Z
    alone, so a search typed as a name is spelt (Élodie, Øberg) found nothing."""
    return value.lower() if isinstance(value, str) else value


def _sqlite_behaves(dbapi_connection: Any, connection_record: Any) -> None:
    """lower() for every letter (`_lower`); foreign keys on; WAL so that several workers'
    readers never block a writer; and synchronous=NORMAL, which in WAL mode keeps the database
    consistent through a crash and syncs at checkpoints instead of on every commit (SQLite's own
    advice for WAL), so a launch's few commits no longer each wait for the disk.

    pysqlite's own transaction handling stays on: reads run outside a transaction and a write
    transaction begins at the first write, so a request that read before the shared store
    committed on its own connection can still write afterwards.
    """
    dbapi_connection.create_function("lower", 1, _lower, deterministic=True)
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def _init_database(app: Flask) -> None:
    from app.extensions import db, migrate

    db.init_app(app)
    migrate.init_app(app, db, directory=str(INSTANCE_DIR.parent / "migrations"))
    with app.app_context():
        engine: Engine = db.engine
        if engine.dialect.name == "sqlite":
            event.listen(engine, "connect", _sqlite_behaves)


def _init_extensions(app: Flask) -> None:
    from app.extensions import csrf, login_manager

    csrf.init_app(app)
    login_manager.init_app(app)


def _register_blueprints(app: Flask, settings: Settings) -> None:
    from app import (
        certificates,
        consultation,
        fidelity,
        health,
        home,
        launch,
        programs,
        quizzes,
        toolkit,
        training,
    )

    app.register_blueprint(launch.bp)
    app.register_blueprint(launch.connections_bp)
    app.register_blueprint(home.bp)
    app.register_blueprint(programs.bp)
    app.register_blueprint(training.bp)
    app.register_blueprint(quizzes.bp)
    app.register_blueprint(consultation.bp)
    app.register_blueprint(certificates.bp)
    app.register_blueprint(certificates.verify_bp)
    app.register_blueprint(fidelity.bp)
    app.register_blueprint(toolkit.bp)
    app.register_blueprint(health.bp)
    if settings.demo_lms_enabled:
        from app import demo_lms

        app.register_blueprint(demo_lms.bp)


def content_paths(settings: Settings) -> ContentPaths:
    """Where the settings say each part of the content lives."""
    return ContentPaths(
        courses=settings.courses_dir,
        quizzes=settings.quizzes_dir,
        rubric=settings.rubric_file,
        fidelity_scale=settings.fidelity_scale_file,
        toolkit=settings.toolkit_dir,
    )


def create_app(settings: Settings | None = None) -> Flask:
    """Build the app for the given settings (from the environment when none are given)."""
    settings = settings or load_settings()
    content = load_content(content_paths(settings))  # refuses to start on invalid content
    INSTANCE_DIR.mkdir(exist_ok=True)
    app = Flask(__name__, instance_path=str(INSTANCE_DIR))
    app.request_class = ImrRequest  # posted text has the line breaks the browser counted
    app.config.from_mapping(_flask_config(settings))
    app.url_map.converters["int"] = RowIdConverter  # before any route: ids past a row's 404
    app.extensions["imr_content"] = content
    if settings.proxy_fix_hops:
        # The client's address (rate limits) and scheme come from the proxies in front (and
        # only from them); the host never does: links are built from PUBLIC_URL, and
        # TRUSTED_HOSTS refuses any other Host.
        app.wsgi_app = FromOurProxies(  # type: ignore[method-assign]  # Flask's documented way to wrap it
            app.wsgi_app, settings.proxy_fix_hops, settings.trusted_proxy_networks
        )
    _init_database(app)
    _init_extensions(app)

    from app import (
        boundary,
        commands,
        dispatch,
        errors,
        layout,
        logs,
        security,
        shared_store,
        tasks,
    )

    shared_store.init_store(app)
    tasks.init_celery(app)
    dispatch.init_dispatch(app)
    boundary.init_boundary(app)  # after dispatch: its commit must run before dispatch's hook
    _register_blueprints(app, settings)
    from app.launch.storage import PartitionedSessionInterface

    # Sessions begun through an LMS's platform storage get a partitioned cookie (see there).
    app.session_interface = PartitionedSessionInterface()
    errors.init_errors(app)
    layout.init_layout(app)
    commands.init_cli(app)
    security.init_security(app)
    logs.mask_werkzeug_log()
    logs.log_what_operators_read(app.logger)
    app.add_template_global(public_url)
    return app
