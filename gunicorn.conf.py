"""gunicorn's settings for IMR Academy's web process (`web` in the Procfile).

Everything that differs between machines comes from the environment, so one file serves a
laptop (`make stack`), the test of the production stack and a real server:

- WEB_CONCURRENCY: worker processes (default: two per CPU, plus one);
- GUNICORN_THREADS: threads per worker (default 4; several threads make gunicorn use gthread, so
  a worker waiting on the LMS or the database still answers other requests);
- PORT and GUNICORN_HOST: where to listen (default 0.0.0.0:8000, as a container or PaaS expects);
- GUNICORN_TIMEOUT, GUNICORN_GRACEFUL_TIMEOUT, GUNICORN_KEEPALIVE: seconds.

The app is loaded once in the master and the workers are forked from it, so they share its
memory (the validated content is the bulk of it); `post_fork` then gives each worker its own
database connections and keeps Python's garbage collector off the shared pages.
"""

from __future__ import annotations

import gc
import os
from typing import Any

from gunicorn.glogging import Logger

from app.logs import SecretMaskingFilter, mask_secrets


def _int(name: str, default: int, lowest: int = 1) -> int:
    """A whole number of at least `lowest`: 0 workers started a server that answered nobody."""
    raw = os.environ.get(name, "")
    if not raw:
        return default
    if not raw.isdigit() or int(raw) < lowest:
        raise SystemExit(f"{name} must be a whole number of at least {lowest}, not {raw!r}")
    return int(raw)


bind = f"{os.environ.get('GUNICORN_HOST') or '0.0.0.0'}:{_int('PORT', 8000)}"  # noqa: S104 (behind the proxy, which connects from outside the container)
workers = _int("WEB_CONCURRENCY", 2 * (os.cpu_count() or 1) + 1)
threads = _int("GUNICORN_THREADS", 4)
# A request that takes longer than this is stuck: every outbound call has a shorter timeout.
timeout = _int("GUNICORN_TIMEOUT", 30)
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 30)
keepalive = _int("GUNICORN_KEEPALIVE", 5, lowest=0)
preload_app = True

accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL") or "info"
# The path without its query string (which may carry codes and tokens), never the referrer,
# cookies or the Authorization header; tokens inside paths are masked by MaskingLogger.
access_log_format = '%(h)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(M)sms "%(a)s"'


class MaskingLogger(Logger):
    """gunicorn's logger with the app's masking of secrets in paths (app.logs)."""

    def setup(self, cfg: Any) -> None:
        super().setup(cfg)
        if not any(isinstance(f, SecretMaskingFilter) for f in self.error_log.filters):
            self.error_log.addFilter(SecretMaskingFilter())  # "Error handling request <uri>"

    def atoms(self, resp: Any, req: Any, environ: Any, request_time: Any) -> dict[str, Any]:
        atoms = super().atoms(resp, req, environ, request_time)
        atoms["U"] = mask_secrets(atoms["U"] or "")
        return atoms


logger_class = MaskingLogger


def post_fork(server: Any, worker: Any) -> None:
    """Each worker's own housekeeping, right after it is forked from the master.

    The engine's pooled connections were opened by the master: two processes writing on one
    socket corrupt both sessions, so the worker drops them (without closing the master's) and
    opens its own. Freezing moves everything inherited out of the collector's reach: a
    collection would otherwise write to every object's header and copy each shared page.
    """
    from app.extensions import db
    from wsgi import app

    with app.app_context():
        db.engine.dispose(close=False)
    gc.freeze()
