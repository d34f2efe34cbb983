"""GET /health: 200 while the database and the shared store answer, 503 naming what does not.

Several web workers on several machines sit behind a load balancer, which needs a cheap way to
take a worker out of rotation when its database or Redis is unreachable, instead of sending
people to pages that fail. The answer names components only; the reason goes to the log, not
to whoever asks (no addresses, no driver errors). Nothing is written.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from flask import jsonify
from redis.exceptions import RedisError
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.wrappers import Response

from app.extensions import db
from app.health import bp
from app.shared_store import current_store

log = logging.getLogger(__name__)


def _database() -> None:
    db.session.execute(text("SELECT 1"))


def _shared_store() -> None:
    current_store().reachable()


CHECKS: dict[str, Callable[[], None]] = {"database": _database, "shared_store": _shared_store}


def _state(name: str, check: Callable[[], None]) -> str:
    try:
        check()
    except (SQLAlchemyError, RedisError, OSError):
        log.exception("health check %s failed", name)
        db.session.rollback()
        return "unavailable"
    return "ok"


@bp.get("/health")
def health() -> Response:
    """Each component's state; 503 when any is unavailable."""
    checks = {name: _state(name, check) for name, check in CHECKS.items()}
    healthy = all(state == "ok" for state in checks.values())
    response = jsonify(status="ok" if healthy else "unavailable", checks=checks)
    response.status_code = 200 if healthy else 503
    response.cache_control.no_store = True
    return response
