"""Background work a transaction queued, handed to Celery once it has committed.

Services only write rows: a pending GradeDelivery is the outbox. This module notices new ones
when the session commits and dispatches their task:

- with a broker (production), to the broker at once; if the broker is down the row stays
  pending and the periodic resend delivers it later, so the request still succeeds;
- in the embedded default (no broker), after the response has been sent, so a slow or failing
  LMS never delays or fails a practitioner's submission; outside a request (a CLI command, a
  task) straight away.

Services therefore never import tasks, and a rolled-back transaction dispatches nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from celery import Task
from flask import Flask, current_app, g, has_request_context
from kombu.exceptions import OperationalError
from redis.exceptions import RedisError
from sqlalchemy import event
from sqlalchemy.orm import Session

from app.extensions import db
from app.models.quizzes import GradeDelivery

NEW_DELIVERIES = "imr_new_deliveries"
AFTER_RESPONSE = "imr_after_response"


def _note_new_deliveries(session: Session, flush_context: Any) -> None:
    new = [obj.id for obj in session.new if isinstance(obj, GradeDelivery)]
    if new:
        session.info.setdefault(NEW_DELIVERIES, []).extend(new)


def _forget(session: Session, *args: Any) -> None:
    session.info.pop(NEW_DELIVERIES, None)


def _after_commit(session: Session) -> None:
    from app.tasks import send_grade

    for delivery_id in session.info.pop(NEW_DELIVERIES, []):
        dispatch(send_grade, delivery_id)


def own_task(task: Task) -> Task:
    """The task as the running app's Celery registered it, so it runs in this app's context.

    A shared task otherwise belongs to Celery's default app: the last one made in the process,
    which is not this one when a process makes two (a test's second app, say).
    """
    return current_app.extensions["celery"].tasks[task.name]


def dispatch(task: Task, *args: Any) -> None:
    """Run a task in the background: on the broker, or after this response, or now."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]  # LocalProxy's own, unstubbed
    task = own_task(task)
    if not app.config["IMR_SETTINGS"].tasks_in_process:
        try:
            task.delay(*args)
        except (OperationalError, RedisError) as error:
            app.logger.warning(
                "could not queue %s%r, left for the periodic resend: %r", task.name, args, error
            )
        return
    if has_request_context():
        g.setdefault(AFTER_RESPONSE, []).append((task, args))
        return
    task.apply(args=args)


def _run_after(app: Flask, queued: list[tuple[Task, tuple[Any, ...]]]) -> Callable[[], None]:
    def run() -> None:
        with app.app_context():
            for task, args in queued:
                try:
                    task.apply(args=args)
                except Exception:  # the response is gone: log it, the periodic resend retries
                    app.logger.exception("background %s%r failed", task.name, args)

    return run


def _schedule_after_response(response: Any) -> Any:
    queued = g.pop(AFTER_RESPONSE, None)
    if queued:
        app = current_app._get_current_object()  # type: ignore[attr-defined]  # LocalProxy's own, unstubbed
        response.call_on_close(_run_after(app, queued))
    return response


def init_dispatch(app: Flask) -> None:
    """Watch the session for queued work, and run embedded work after each response."""
    if not event.contains(db.session, "after_commit", _after_commit):
        event.listen(db.session, "after_flush", _note_new_deliveries)
        event.listen(db.session, "after_commit", _after_commit)
        event.listen(db.session, "after_rollback", _forget)
    app.after_request(_schedule_after_response)
