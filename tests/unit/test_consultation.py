"""Consultation schedules across daylight-saving changes, and attendance rules, by hand."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta

import pytest

from app.domain.consultation import (
    SCHEDULING_WINDOW,
    AttendanceRules,
    Mark,
    ScheduleError,
    SessionRecord,
    WeeklyRule,
    check_window,
    local_wall_time,
    occurrences,
    sessions_needed,
    summarise,
)

TUESDAY = 1


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_london_keeps_ten_oclock_local_across_the_clocks_going_forward():
    rule = WeeklyRule(TUESDAY, time(10, 0), "Europe/London", 60, date(2026, 3, 1), weeks=6)
    assert occurrences(rule) == [
        utc(2026, 3, 3, 10),
        utc(2026, 3, 10, 10),
        utc(2026, 3, 17, 10),
        utc(2026, 3, 24, 10),
        utc(2026, 3, 31, 9),
        utc(2026, 4, 7, 9),  # BST from 29 March: 10:00 local is 09:00 UTC
    ]


def test_new_york_changes_on_its_own_date():
    rule = WeeklyRule(TUESDAY, time(10, 0), "America/New_York", 60, date(2026, 3, 1), weeks=3)
    assert occurrences(rule) == [utc(2026, 3, 3, 15), utc(2026, 3, 10, 14), utc(2026, 3, 17, 14)]
    assert all(local_wall_time(s, "America/New_York").hour == 10 for s in occurrences(rule))


def test_autumn_change_and_an_end_date():
    rule = WeeklyRule(
        3, time(14, 30), "Europe/Berlin", 90, date(2026, 10, 15), end_date=date(2026, 11, 5)
    )
    assert occurrences(rule) == [
        utc(2026, 10, 15, 12, 30),
        utc(2026, 10, 22, 12, 30),
        utc(2026, 10, 29, 13, 30),
        utc(2026, 11, 5, 13, 30),
    ]
    assert rule.rrule_text() == "FREQ=WEEKLY;BYDAY=TH;UNTIL=20261105T235959"


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        (WeeklyRule(0, time(9), "Mars/Olympus", 60, date(2026, 1, 1), weeks=4), "not a time zone"),
        (
            WeeklyRule(0, time(9), "UTC", 60, date(2026, 1, 1)),
            "either a number of weeks or an end date",
        ),
        (
            WeeklyRule(0, time(9), "UTC", 60, date(2026, 1, 1), weeks=4, end_date=date(2026, 3, 1)),
            "either",
        ),
        (WeeklyRule(0, time(9), "UTC", 60, date(2026, 1, 1), weeks=0), "from 1 to 104"),
        (
            WeeklyRule(0, time(9), "UTC", 60, date(2026, 5, 1), end_date=date(2026, 4, 1)),
            "before the first date",
        ),
        (
            WeeklyRule(0, time(9), "UTC", 60, date(2026, 1, 1), end_date=date(2030, 1, 1)),
            "the most is 104",
        ),
    ],
)
def test_impossible_schedules_are_explained(rule, message):
    with pytest.raises(ScheduleError, match=message):
        occurrences(rule)


NOW = utc(2026, 6, 1)
RULES = AttendanceRules(required_rate=75, minimum_sessions=0, excused_allowed=2)  # the share alone


def sessions(marks: list[Mark | None], future: int = 0) -> list[SessionRecord]:
    past = [
        SessionRecord(i, NOW - timedelta(weeks=len(marks) - i), 60, mark)
        for i, mark in enumerate(marks)
    ]
    return past + [
        SessionRecord(100 + i, NOW + timedelta(weeks=i + 1), 60, None) for i in range(future)
    ]


P, L, E, A = Mark.PRESENT, Mark.LATE, Mark.EXCUSED, Mark.ABSENT


def test_rate_counts_the_whole_period_and_forgives_two_excused():
    # 12 scheduled, 8 held: 5 present, 1 late, 2 excused (forgiven); 4 to come
    summary = summarise(sessions([P, P, L, E, P, E, P, P], future=4), [], RULES, NOW)
    assert (summary.scheduled, summary.held, summary.attended, summary.forgiven) == (12, 8, 6, 2)
    assert summary.counted == 10
    assert summary.required == 8  # ceil(10 × 75%)
    assert summary.rate == 60  # 6 of 10 so far credited, over the whole period
    assert summary.rate_so_far == 100  # 6 of the 6 held sessions that count
    assert summary.still_needed == 2
    assert not summary.below_minimum
    assert not summary.cannot_reach
    assert summary.minutes == 360


def test_the_policy_minimum_holds_however_short_the_period():
    # 10 scheduled, all attended: 100% of the period, yet the policy asks for 12 at least
    rules = AttendanceRules(required_rate=75, minimum_sessions=12, excused_allowed=2)
    summary = summarise(sessions([P] * 6, future=4), [], rules, NOW)
    assert summary.required == 12
    assert summary.cannot_reach  # 6 attended and 4 to come can never make 12
    assert not summary.met


@pytest.mark.parametrize(
    ("counted", "rate", "minimum", "needed"),
    [
        (23, 75, 12, 18),
        (16, 75, 12, 12),
        (10, 75, 0, 8),
        (0, 75, 0, 1),
        (0, 0, 0, 0),
        (7, 100, 3, 7),
    ],
)
def test_sessions_needed_is_the_minimum_or_the_share_of_the_period(counted, rate, minimum, needed):
    assert sessions_needed(counted, rate, minimum) == needed


def test_a_third_excused_absence_counts_as_missed():
    summary = summarise(sessions([E, E, E, P], future=0), [], RULES, NOW)
    assert (summary.forgiven, summary.missed, summary.counted) == (2, 1, 2)
    assert summary.rate == 50
    assert summary.required == 2
    assert not summary.met


def test_a_made_up_absence_is_credited():
    scheduled = sessions([P, A, P, P])
    makeup = SessionRecord(50, NOW - timedelta(days=2), 45, P, makeup_for=1)
    summary = summarise(scheduled, [makeup], RULES, NOW)
    assert (summary.attended, summary.made_up, summary.missed) == (3, 1, 0)
    assert summary.rate == 100
    assert summary.met
    assert summary.minutes == 3 * 60 + 45


def test_flags_below_minimum_and_cannot_reach():
    # 10 scheduled, 6 held with 2 attended; required = ceil(10 × 75%) = 8; 2 + 4 left = 6 < 8
    summary = summarise(sessions([P, A, A, P, A, A], future=4), [], RULES, NOW)
    assert summary.below_minimum
    assert summary.cannot_reach
    # one fewer absence: 3 attended + 4 left = 7 < 8 still; with 4 attended: 4 + 4 = 8 reachable
    assert not summarise(sessions([P, P, A, P, A, P], future=4), [], RULES, NOW).cannot_reach


def test_unmarked_past_sessions_count_as_not_attended():
    summary = summarise(sessions([None, P]), [], RULES, NOW)
    assert (summary.attended, summary.missed) == (1, 1)


def _not_taken(records: list[SessionRecord], *indexes: int) -> list[SessionRecord]:
    return [replace(r, taken=False) if i in indexes else r for i, r in enumerate(records)]


def test_a_session_whose_attendance_is_not_taken_is_neither_attended_nor_missed():
    # 10 scheduled, 6 held: 2 present, 2 absent, 2 not taken yet; required 8
    records = _not_taken(sessions([P, A, None, P, A, None], future=4), 2, 5)
    summary = summarise(records, [], RULES, NOW)
    assert (summary.attended, summary.missed, summary.not_taken) == (2, 2, 2)
    assert summary.rate_so_far == 50  # 2 of the 4 taken sessions, not 2 of 6
    assert summary.still_needed == 6
    # 2 credited + 4 to come + 2 not taken = 8: still reachable, so no flag for late paperwork
    assert not summary.cannot_reach
    counted_as_missed = summarise(sessions([P, A, None, P, A, None], future=4), [], RULES, NOW)
    assert counted_as_missed.cannot_reach  # the same marks with attendance taken


def test_an_accepted_apology_still_excuses_a_session_not_taken():
    summary = summarise(_not_taken(sessions([P, E, P]), 1), [], RULES, NOW)
    assert (summary.excused, summary.forgiven, summary.not_taken, summary.missed) == (1, 1, 0, 0)


# --- The dates a trainer may schedule ---

TODAY = date(2026, 6, 1)


def test_the_window_runs_from_a_year_back_to_five_years_ahead():
    assert SCHEDULING_WINDOW.bounds(TODAY) == (date(2025, 6, 1), date(2031, 6, 1))
    assert SCHEDULING_WINDOW.bounds(date(2028, 2, 29)) == (date(2027, 2, 28), date(2033, 2, 28))
    for day in (date(2025, 6, 1), TODAY, date(2031, 6, 1)):
        SCHEDULING_WINDOW.check(day, TODAY)  # the edges are inside


@pytest.mark.parametrize("day", [date(1, 1, 1), date(2025, 5, 31), date(2031, 6, 2), date.max])
def test_a_date_outside_the_window_says_which_dates_are_allowed(day):
    with pytest.raises(ScheduleError) as refused:
        SCHEDULING_WINDOW.check(day, TODAY)
    assert str(refused.value) == "Choose a date between 1 June 2025 and 1 June 2031."


def test_a_date_already_saved_stays_allowed():
    SCHEDULING_WINDOW.check(date(2024, 1, 2), TODAY, saved=date(2024, 1, 2))
    with pytest.raises(ScheduleError):
        SCHEDULING_WINDOW.check(date(2024, 1, 9), TODAY, saved=date(2024, 1, 2))


def test_a_series_is_checked_on_its_first_and_last_dates():
    rule = WeeklyRule(TUESDAY, time(10), "UTC", 60, date(2026, 6, 2), end_date=date(2026, 9, 1))
    check_window(rule, TODAY)
    with pytest.raises(ScheduleError, match="Choose a date between"):
        check_window(replace(rule, first_date=date(1, 1, 1)), TODAY)
    with pytest.raises(ScheduleError, match="Choose a date between"):
        check_window(replace(rule, end_date=date(9999, 12, 31)), TODAY)
    old = replace(rule, first_date=date(2024, 1, 2))
    check_window(replace(old, end_date=date(2026, 12, 1)), TODAY, saved=old)


@pytest.mark.parametrize(
    "rule",
    [
        WeeklyRule(4, time(23, 30), "America/Los_Angeles", 60, date(9999, 12, 31), weeks=1),
        WeeklyRule(0, time(0, 30), "Asia/Tokyo", 60, date(1, 1, 1), weeks=1),
        WeeklyRule(4, time(10), "UTC", 60, date(9999, 12, 1), weeks=104),
    ],
)
def test_a_schedule_past_the_calendars_ends_is_a_schedule_error_not_an_overflow(rule):
    with pytest.raises(ScheduleError, match="beyond the years a calendar can hold"):
        occurrences(rule)
