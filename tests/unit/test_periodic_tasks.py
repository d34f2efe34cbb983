"""Beat's timetable: the daily work runs every day, however often beat itself restarts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from app.tasks import PERIODIC_TASKS

DAILY = ("sync-rosters", "issue-due-certificates", "renewal-reminders")


@pytest.mark.parametrize("name", DAILY)
def test_daily_work_runs_before_a_beat_restarted_each_day_restarts_again(name):
    """A beat started afresh (no schedule file) once waited a whole 24 hours, so a platform
    that restarts it daily never ran the reminders, the roster refresh or the daily check."""
    schedule = PERIODIC_TASKS[name]["schedule"]
    for hour in range(24):
        restarted = datetime(2026, 12, 4, hour, 30, tzinfo=UTC)
        start, delta, _ = schedule.remaining_delta(restarted)
        assert start + delta < restarted + timedelta(days=1), (name, hour)


def test_the_daily_work_runs_in_order_sync_then_certificates_then_reminders():
    """Rosters first (who left), then the certificates due, then reminders of those that expire."""
    hours = [PERIODIC_TASKS[name]["schedule"].hour for name in DAILY]
    assert [min(hour) for hour in hours] == sorted(min(hour) for hour in hours)
