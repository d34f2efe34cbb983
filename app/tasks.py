"""Celery, bound to the Flask app: Redis as broker in production, eager in the embedded default.

Tasks run inside an app context so they use the same database and settings as a request.
Periodic tasks are listed once, in PERIODIC_TASKS: Celery beat runs them in production, and
`flask --app wsgi tasks run-periodic` runs them from cron or by hand in the embedded default.
"""

from __future__ import annotations

from typing import Any

from celery import Celery, Task, shared_task
from flask import Flask

from app.shared_store import current_store

PERIODIC_TASKS: dict[str, dict[str, Any]] = {
    "purge-expired-launch-state": {
        "task": "app.tasks.purge_expired_launch_state",
        "schedule": 3600.0,
    },
}


def init_celery(app: Flask) -> Celery:
    """Create the Celery app for this Flask app (the Flask documentation's pattern)."""
    settings = app.config["IMR_SETTINGS"]

    class FlaskTask(Task):
        def __call__(self, *args: Any, **kwargs: Any) -> Any:
            with app.app_context():
                return self.run(*args, **kwargs)

    celery = Celery(app.name, task_cls=FlaskTask)
    celery.conf.update(
        broker_url=settings.redis_url or "memory://",
        result_backend=None,
        task_ignore_result=True,
        task_always_eager=settings.tasks_in_process,
        task_eager_propagates=settings.testing,
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        broker_connection_retry_on_startup=True,
        beat_schedule=PERIODIC_TASKS,
        timezone="UTC",
    )
    celery.set_default()
    app.extensions["celery"] = celery
    return celery


@shared_task(name="app.tasks.purge_expired_launch_state")
def purge_expired_launch_state() -> int:
    """Drop expired OIDC state, nonces and cached tokens (Redis expires its own)."""
    return current_store().purge_expired()
