"""Weekly consultation: the schedule a group follows, and how attendance counts.

Schedules are an iCalendar RRULE expanded by dateutil in the group's own time zone, so a 10:00
meeting stays at 10:00 local time across daylight-saving changes (its UTC time moves instead).

Attendance is counted over every scheduled session of the consultation period, not only those
held so far: a practitioner needs to know what is still possible, and a trainer needs to see
early who can no longer reach the minimum with the sessions left.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from enum import StrEnum
from fractions import Fraction
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta
from dateutil.rrule import WEEKLY, rrule

from app.domain.certificates import date_in_words

MAX_WEEKS = 104


class ScheduleError(ValueError):
    """The schedule cannot be made as described (the message says which part)."""


@dataclass(frozen=True)
class SchedulingWindow:
    """The dates a trainer may schedule on, counted in whole years either side of today.

    A date years away is a typo (0001 for 2025), not a plan, and near the ends of the calendar
    the arithmetic of time zones and session ends overflows: one window refuses both.
    """

    years_before: int
    years_after: int

    def bounds(self, today: date) -> tuple[date, date]:
        """The first and last dates allowed (from 29 February a year on is the 28th)."""
        return (
            today - relativedelta(years=self.years_before),
            today + relativedelta(years=self.years_after),
        )

    def check(self, day: date, today: date, saved: date | None = None) -> None:
        """Refuse a date outside the window, saying which dates are allowed.

        A date already saved stays allowed, so a series that began over a year ago can still be
        edited without moving its first date.
        """
        first, last = self.bounds(today)
        if day != saved and not first <= day <= last:
            raise ScheduleError(
                f"Choose a date between {date_in_words(first)} and {date_in_words(last)}."
            )


SCHEDULING_WINDOW = SchedulingWindow(years_before=1, years_after=5)


@dataclass(frozen=True)
class WeeklyRule:
    """How a consultation group meets: one weekday at one local time, for a number of weeks or to an end date."""

    weekday: int  # 0 Monday … 6 Sunday
    local_time: time
    timezone: str
    duration_minutes: int
    first_date: date
    weeks: int | None = None
    end_date: date | None = None

    def zone(self) -> ZoneInfo:
        try:
            return ZoneInfo(self.timezone)
        except (KeyError, ValueError):
            raise ScheduleError(
                f"{self.timezone!r} is not a time zone name such as Europe/London"
            ) from None

    def rrule_text(self) -> str:
        """The rule as iCalendar writes it (RFC 5545), for calendars and for people who read them."""
        day = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"][self.weekday]
        limit = f"COUNT={self.weeks}" if self.weeks else f"UNTIL={self.end_date:%Y%m%d}T235959"
        return f"FREQ=WEEKLY;BYDAY={day};{limit}"


def check_window(rule: WeeklyRule, today: date, saved: WeeklyRule | None = None) -> None:
    """Refuse a series whose first or last date lies outside the scheduling window.

    `saved` is the series as it stands when it is being edited: its own dates stay allowed.
    """
    SCHEDULING_WINDOW.check(rule.first_date, today, saved.first_date if saved else None)
    if rule.end_date is not None:
        SCHEDULING_WINDOW.check(rule.end_date, today, saved.end_date if saved else None)


_BEYOND_THE_CALENDAR = "those dates are beyond the years a calendar can hold"


def occurrences(rule: WeeklyRule) -> list[datetime]:
    """Every session start of the rule, as aware UTC datetimes."""
    zone = rule.zone()
    if (rule.weeks is None) == (rule.end_date is None):
        raise ScheduleError("give either a number of weeks or an end date")
    if rule.weeks is not None and not 1 <= rule.weeks <= MAX_WEEKS:
        raise ScheduleError(f"the number of weeks must be from 1 to {MAX_WEEKS}")
    if rule.end_date is not None and rule.end_date < rule.first_date:
        raise ScheduleError("the end date is before the first date")
    start = datetime.combine(rule.first_date, rule.local_time)
    until = datetime.combine(rule.end_date, time(23, 59, 59)) if rule.end_date else None
    local_starts = list(
        rrule(WEEKLY, dtstart=start, byweekday=rule.weekday, count=rule.weeks, until=until)
    )
    if len(local_starts) > MAX_WEEKS:
        raise ScheduleError(
            f"that end date gives {len(local_starts)} sessions; the most is {MAX_WEEKS}"
        )
    if rule.weeks is not None and len(local_starts) < rule.weeks:
        raise ScheduleError(_BEYOND_THE_CALENDAR)  # dateutil stops quietly after year 9999
    try:
        return [local.replace(tzinfo=zone).astimezone(UTC) for local in local_starts]
    except OverflowError:  # a time zone's offset carries a session past year 1 or 9999
        raise ScheduleError(_BEYOND_THE_CALENDAR) from None


def local_wall_time(moment: datetime, timezone: str) -> datetime:
    """A UTC moment as the group's clocks show it."""
    return moment.astimezone(ZoneInfo(timezone))


class ConsultationRefused(ValueError):
    """A change that cannot be made (the message says why, in the trainer's or practitioner's terms)."""


class SessionStatus(StrEnum):
    """A consultation session goes ahead as scheduled unless the trainer cancels it beforehand."""

    SCHEDULED = "scheduled"
    CANCELLED = "cancelled"

    def cancelled(self, held: bool) -> SessionStatus:
        """Cancel an upcoming session; a held one keeps its attendance, so it cannot be."""
        if self is SessionStatus.CANCELLED:
            raise ConsultationRefused("That session is already cancelled.")
        if held:
            raise ConsultationRefused(
                "A session already held cannot be cancelled: take its attendance instead."
            )
        return SessionStatus.CANCELLED


class ApologyDecision(StrEnum):
    """A practitioner's apology waits for the trainer, who accepts (excused) or declines it once."""

    PENDING = "pending"
    ACCEPTED = "accepted"
    DECLINED = "declined"

    def decided(self, accept: bool) -> ApologyDecision:
        if self is not ApologyDecision.PENDING:
            raise ConsultationRefused(f"That apology was already {self.value}.")
        return ApologyDecision.ACCEPTED if accept else ApologyDecision.DECLINED


class Mark(StrEnum):
    PRESENT = "present"
    LATE = "late"
    EXCUSED = "excused"
    ABSENT = "absent"

    @property
    def attended(self) -> bool:
        return self in (Mark.PRESENT, Mark.LATE)


@dataclass(frozen=True)
class AttendanceRules:
    """What certification asks of consultation, and how many excused absences are forgiven.

    The rate and the minimum are the organisation's certification policy, the same figures
    eligibility reads, so a group's page never promises a different target than certification
    holds; the excused absences forgiven are the group's own.
    """

    required_rate: int = 75  # percent of the period's sessions that count
    minimum_sessions: int = 12  # however short the period
    excused_allowed: int = 2


def sessions_needed(counted: int, required_rate: int, minimum_sessions: int) -> int:
    """Credited sessions certification asks for: the minimum, or the required share of the
    period's counted sessions when that is more (rounded up: 75% of 23 is 18). A period with
    no session that counts shows no share attended, so it asks for at least one."""
    share = -(-counted * required_rate // 100) if counted else min(required_rate, 1)
    return max(minimum_sessions, share)


@dataclass(frozen=True)
class SessionRecord:
    """One session of the period as it concerns one practitioner."""

    session_id: int
    starts_at: datetime
    duration_minutes: int
    mark: Mark | None
    makeup_for: int | None = None  # the scheduled session a make-up session replaces
    taken: bool = True  # the trainer has taken this session's attendance


@dataclass(frozen=True)
class AttendanceSummary:
    scheduled: int
    held: int
    attended: int
    made_up: int
    excused: int  # every excused absence not made up
    forgiven: int  # those within the group's allowance: the pages' "excused" column
    missed: int  # absences neither made up nor forgiven (excused ones past the allowance too)
    not_taken: int  # held sessions whose attendance the trainer has not taken yet
    remaining: int
    required: int
    required_rate: int
    minutes: int

    @property
    def credited(self) -> int:
        """Sessions that count towards the minimum: attended, or missed and made up."""
        return self.attended + self.made_up

    @property
    def counted(self) -> int:
        """The period's scheduled sessions less the excused absences that are forgiven."""
        return self.scheduled - self.forgiven

    @property
    def rate(self) -> Fraction:
        """Credited sessions as a share of the whole period (the figure certification uses)."""
        return Fraction(0) if not self.counted else Fraction(self.credited * 100, self.counted)

    @property
    def rate_so_far(self) -> Fraction:
        """The same share over the held sessions whose attendance has been taken."""
        taken = self.held - self.not_taken - self.forgiven
        return Fraction(100) if taken <= 0 else Fraction(self.credited * 100, taken)

    @property
    def still_needed(self) -> int:
        return max(0, self.required - self.credited)

    @property
    def below_minimum(self) -> bool:
        """Behind the required rate on the sessions held so far."""
        return self.rate_so_far < self.required_rate

    @property
    def cannot_reach(self) -> bool:
        """Even attending every remaining session would leave the practitioner short.

        A session whose attendance is not taken yet may still turn out attended, so it counts
        with the sessions to come: a trainer's late paperwork never flags a practitioner.
        """
        return self.credited + self.remaining + self.not_taken < self.required

    @property
    def met(self) -> bool:
        return self.scheduled > 0 and self.credited >= self.required

    @property
    def hours(self) -> Fraction:
        return Fraction(self.minutes, 60)


def summarise(
    scheduled: Sequence[SessionRecord],
    makeups: Sequence[SessionRecord],
    rules: AttendanceRules,
    now: datetime,
) -> AttendanceSummary:
    """Count one practitioner's attendance over a consultation period.

    `scheduled` are the period's regular sessions that were not cancelled; `makeups` are make-up
    sessions. Excused absences up to `rules.excused_allowed` are forgiven (they leave the count);
    beyond that they count as missed. An absence made up by attending its make-up is credited.
    A held session whose attendance has not been taken is neither attended nor missed.
    """
    held = [s for s in scheduled if s.starts_at <= now]
    made_up_ids = {m.makeup_for for m in makeups if m.mark is not None and m.mark.attended}
    attended = [s for s in scheduled if s.mark is not None and s.mark.attended]
    not_taken = [s for s in held if not s.taken and s.mark is None]
    not_attended = [
        s
        for s in held
        if (s.taken or s.mark is not None) and not (s.mark is not None and s.mark.attended)
    ]
    made_up = [s for s in not_attended if s.session_id in made_up_ids]
    excused = [
        s for s in not_attended if s.mark is Mark.EXCUSED and s.session_id not in made_up_ids
    ]
    forgiven = min(len(excused), rules.excused_allowed)
    counted = len(scheduled) - forgiven
    minutes = sum(
        s.duration_minutes for s in [*attended, *(m for m in makeups if m.mark and m.mark.attended)]
    )
    return AttendanceSummary(
        scheduled=len(scheduled),
        held=len(held),
        attended=len(attended),
        made_up=len(made_up),
        excused=len(excused),
        forgiven=forgiven,
        missed=len(not_attended) - len(made_up) - forgiven,
        not_taken=len(not_taken),
        remaining=len(scheduled) - len(held),
        required=sessions_needed(counted, rules.required_rate, rules.minimum_sessions),
        required_rate=rules.required_rate,
        minutes=minutes,
    )
