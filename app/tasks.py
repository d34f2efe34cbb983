"""Celery, bound to the Flask app: Redis as broker in production, eager in the embedded default.

Tasks run inside an app context so they use the same database and settings as a request.
Periodic tasks are listed once, in PERIODIC_TASKS: Celery beat runs them in production, and
`flask --app wsgi tasks run-periodic` runs them from cron or by hand in the embedded default.
"""

from __future__ import annotations

from typing import Any

from celery import Celery, Task, shared_task
from celery.schedules import crontab
from celery.utils.time import get_exponential_backoff_interval
from flask import Flask, current_app
from sqlalchemy import select

from app.extensions import content, db
from app.models.base import utc_now
from app.models.quizzes import GradeDelivery
from app.models.tenancy import Cohort, Organisation
from app.services import certificates, grades, reminders, roster
from app.shared_store import current_store
from config import Settings

# The daily work runs at fixed times of day (UTC), not every 24 hours from whenever beat
# started: a beat restarted with a fresh disk (each deploy, a platform's daily restart) waited a
# whole interval again, and a beat restarted every day never ran them at all.
PERIODIC_TASKS: dict[str, dict[str, Any]] = {
    "purge-expired-launch-state": {
        "task": "app.tasks.purge_expired_launch_state",
        "schedule": crontab(minute="7"),
    },
    # Its schedule is the settings' grade_resend_seconds (beat_schedule).
    "resend-undelivered-grades": {"task": "app.tasks.resend_undelivered_grades"},
    "sync-rosters": {
        "task": "app.tasks.sync_all_rosters",
        "schedule": crontab(hour="2", minute="15"),
    },
    "issue-due-certificates": {
        "task": "app.tasks.issue_all_due_certificates",
        "schedule": crontab(hour="3", minute="15"),
    },
    "renewal-reminders": {
        "task": "app.tasks.renewal_reminders",
        "schedule": crontab(hour="6", minute="15"),
    },
}
GRADE_RETRIES = 8
ROSTER_RETRIES = 5
RETRIES_IN_PROCESS = 2  # eager retries run inside the request: keep them few
LONGEST_RETRY_COUNTDOWN_SECONDS = 3600
SOFT_LIMIT_MARGIN_SECONDS = 30


def beat_schedule(settings: Settings) -> dict[str, dict[str, Any]]:
    """PERIODIC_TASKS as beat runs them, resending undelivered grades as often as configured."""
    resend = "resend-undelivered-grades"
    every = float(settings.grade_resend_seconds)
    return {**PERIODIC_TASKS, resend: {**PERIODIC_TASKS[resend], "schedule": every}}


def time_limits(settings: Settings) -> dict[str, Any]:
    """How long one task may run, and how long Redis lets a worker hold one unacknowledged.

    A task stuck on a hung call held its worker process for good: past the soft limit it is
    interrupted (it rolls back, as any failed task), and past the hard limit its process is
    replaced. Tasks are acknowledged once they end (`task_acks_late`), so Redis hands a task it
    has not heard back about to another worker after `visibility_timeout`; a retry waits up to
    an hour before it runs, so that wait must outlast the longest countdown plus a whole run,
    or a task retried late would run twice at once.
    """
    hard = settings.task_time_limit_seconds
    return {
        "task_time_limit": hard,
        "task_soft_time_limit": hard - SOFT_LIMIT_MARGIN_SECONDS,
        "broker_transport_options": {
            "socket_connect_timeout": 3,
            "socket_timeout": 5,
            "visibility_timeout": LONGEST_RETRY_COUNTDOWN_SECONDS + 2 * hard,
        },
    }


def init_celery(app: Flask) -> Celery:
    """Create the Celery app for this Flask app (the Flask documentation's pattern)."""
    settings = app.config["IMR_SETTINGS"]

    class FlaskTask(Task):
        """A task is a boundary of its own: it commits its work when it ends, or rolls it back."""

        def __call__(self, *args: Any, **kwargs: Any) -> Any:
            with app.app_context():
                try:
                    result = self.run(*args, **kwargs)
                except BaseException:
                    db.session.rollback()
                    raise
                db.session.commit()
                return result

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
        # A request that queues work must not hang on a broker that is down: fail fast, and
        # the row stays pending for the periodic resend (app.dispatch).
        broker_connection_timeout=3,
        task_publish_retry_policy={"max_retries": 2, "interval_start": 0, "interval_step": 0.5},
        beat_schedule=beat_schedule(settings),
        timezone="UTC",
        **time_limits(settings),
    )
    celery.set_default()
    app.extensions["celery"] = celery
    return celery


@shared_task(name="app.tasks.purge_expired_launch_state")
def purge_expired_launch_state() -> int:
    """Drop expired OIDC state, nonces and cached tokens (Redis expires its own)."""
    return current_store().purge_expired()


def _quiz_title(delivery_id: int) -> str:
    delivery = db.session.get_one(GradeDelivery, delivery_id)
    bank = content().quizzes.get(delivery.attempt.quiz_id)
    return bank.title if bank else delivery.attempt.quiz_id


def _retry_later(task: Task, error: Exception, limit: int) -> object:
    """Retry with Celery's exponential backoff, or report once the tries are used up.

    In-process (eager) Celery re-applies a *returned* Retry at once, while a raised one would
    propagate out of the request; on a worker the Retry must be raised.
    """
    limit = min(limit, RETRIES_IN_PROCESS) if task.request.is_eager else limit
    if task.request.retries >= limit:
        return f"failed after {task.request.retries + 1} tries: {error}"
    countdown = get_exponential_backoff_interval(
        30, task.request.retries, LONGEST_RETRY_COUNTDOWN_SECONDS, full_jitter=True
    )
    if task.request.is_eager:
        return task.retry(exc=error, countdown=countdown, max_retries=limit, throw=False)
    raise task.retry(exc=error, countdown=countdown, max_retries=limit) from error


@shared_task(bind=True, name="app.tasks.send_grade", max_retries=GRADE_RETRIES)
def send_grade(self: Task, delivery_id: int) -> object:
    """Post one quiz grade to the LMS, retrying with backoff while the LMS refuses it.

    Safe to run twice for one grade (a resend, a message the broker hands out again): the
    delivery's claim (app.services.grades) lets only one run post it.
    """
    try:
        sent = grades.deliver(delivery_id, _quiz_title(delivery_id))
    except grades.DeliveryFailed as error:
        return _retry_later(self, error, GRADE_RETRIES)
    return "delivered" if sent else "not sent: already delivered, or being sent by another worker"


@shared_task(name="app.tasks.resend_undelivered_grades")
def resend_undelivered_grades() -> int:
    """Queue every grade still pending or failed (the periodic safety net)."""
    pending = grades.undelivered()
    for delivery_id in pending:
        send_grade.delay(delivery_id)
    return len(pending)


@shared_task(bind=True, name="app.tasks.sync_cohort_roster", max_retries=ROSTER_RETRIES)
def sync_cohort_roster(self: Task, cohort_id: int) -> object:
    """Refresh one cohort's roster from the LMS's Names and Roles service.

    Ends with a RosterOutcome whose line is short whatever the LMS answered (its error page
    is in the log), or, on a worker, raises Retry until the tries are used up.
    """
    try:
        result = roster.sync_roster(db.session.get_one(Cohort, cohort_id))
    except roster.RosterRefused as refused:
        db.session.rollback()
        retried = _retry_later(self, refused, ROSTER_RETRIES)
        return roster.RosterOutcome(False, retried) if isinstance(retried, str) else retried
    return roster.RosterOutcome(True, result.summary)


@shared_task(name="app.tasks.sync_all_rosters")
def sync_all_rosters() -> int:
    """Queue a roster refresh for every cohort whose LMS offers Names and Roles."""
    cohort_ids = list(db.session.scalars(select(Cohort.id).where(Cohort.nrps_url.is_not(None))))
    for cohort_id in cohort_ids:
        sync_cohort_roster.delay(cohort_id)
    return len(cohort_ids)


@shared_task(name="app.tasks.renewal_reminders")
def renewal_reminders() -> int:
    """Send the renewal reminders that have come due today."""
    return reminders.send_renewal_reminders(current_app.config["IMR_SETTINGS"], utc_now().date())


@shared_task(name="app.tasks.issue_due_certificates")
def issue_due_certificates(organisation_id: int, because: str) -> int:
    """Issue every certificate that has come due in one organisation (a director changed the
    requirements), each kept as soon as it is decided, as in the daily check."""
    return certificates.issue_due(organisation_id, because, kept_one_by_one=True)


@shared_task(name="app.tasks.issue_all_due_certificates")
def issue_all_due_certificates() -> int:
    """The daily check: issue what has come due in every organisation (evidence that changed
    without a page, such as a roster, or a missed trigger)."""
    organisations = db.session.scalars(select(Organisation.id)).all()
    because = "the daily check of evidence"
    return sum(certificates.issue_due(org, because, kept_one_by_one=True) for org in organisations)
