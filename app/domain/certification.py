"""Certification: the competency rubric, and who is eligible and why not.

A certificate's own life (its states and standing) is app.domain.certificates.

Everything here takes values and returns values; the date is passed in.
"""

from __future__ import annotations

from calendar import monthrange
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum
from fractions import Fraction
from typing import NamedTuple, Protocol, TypeVar

from app.domain.certificates import date_in_words
from app.domain.consultation import sessions_needed

GroupStanding = TypeVar("GroupStanding", bound="ConsultationStanding")
SESSION_FORMATS = ("individual", "group")


@dataclass(frozen=True)
class RubricItem:
    """One rubric item: the formats it applies to, the lowest rating a pass allows, and what each
    level 1 to 5 looks like in a session (levels[0] describes 1)."""

    id: str
    title: str
    required: bool
    guide: str
    formats: tuple[str, ...] = SESSION_FORMATS
    minimum: int | None = None
    levels: tuple[str, ...] = ()

    def applies_to(self, session_format: str) -> bool:
        return session_format in self.formats


@dataclass(frozen=True)
class Rubric:
    """The sign-off rubric (modelled on the IMR Treatment Integrity Scale)."""

    id: str
    title: str
    pass_mean: Fraction
    bands: tuple[tuple[Fraction, str], ...]
    items: tuple[RubricItem, ...]

    def band(self, mean: Fraction) -> str:
        return [label for start, label in self.bands if mean >= start][-1]


class Shortfall(NamedTuple):
    """A rated item below its minimum: it fails the sign-off whatever the mean."""

    title: str
    rating: int
    minimum: int

    def __str__(self) -> str:
        return f"“{self.title}” rated {self.rating}, below the minimum of {self.minimum}"


@dataclass(frozen=True)
class RubricResult:
    mean: Fraction
    band: str
    passed: bool
    rated: int
    below_minimum: tuple[Shortfall, ...] = ()


class RatingError(ValueError):
    """The ratings do not fit the rubric (the message names the item)."""


EARLIEST_OBSERVATION = date(2000, 1, 1)
"""No IMR competency observation predates this: an earlier date is a slip of the keyboard."""


def check_observed_on(observed_on: date, today_utc: date) -> date:
    """The date, if the observed session could have happened on it: a sign-off records a
    session already seen (east of UTC it may already be tomorrow), and its date goes into the
    certificate's evidence, so a typed 2062 or 0001 must not."""
    if not EARLIEST_OBSERVATION <= observed_on <= today_utc + timedelta(days=1):
        raise RatingError(
            "give the date of the observed session: today or earlier, and not before "
            f"{date_in_words(EARLIEST_OBSERVATION)}"
        )
    return observed_on


def _rating(item: RubricItem, ratings: Mapping[str, int | None], session_format: str) -> int | None:
    """The item's rating, None when it is not counted; refuses what a trainer must correct."""
    rating = ratings.get(item.id)
    if not item.applies_to(session_format):
        if rating is not None:
            only = " and ".join(item.formats)
            raise RatingError(
                f"“{item.title}” is rated in {only} sessions only: "
                f"leave it unrated for {session_format} sessions"
            )
        return None
    if rating is None:
        if item.required:
            raise RatingError(f"rate “{item.title}”: it is required")
        return None
    if not 1 <= rating <= 5:
        raise RatingError(f"“{item.title}” must be rated from 1 to 5")
    return rating


def score_rubric(
    rubric: Rubric, ratings: Mapping[str, int | None], session_format: str
) -> RubricResult:
    """The mean of the items that apply to the session's format (required ones, and optional ones
    that were rated). A pass needs the pass mean and no rated item below its minimum, because a
    high mean must not hide a core element done badly."""
    if session_format not in SESSION_FORMATS:
        raise RatingError(f"the session must be {' or '.join(SESSION_FORMATS)}")
    values, short = [], []
    for item in rubric.items:
        rating = _rating(item, ratings, session_format)
        if rating is None:
            continue
        values.append(rating)
        if item.minimum is not None and rating < item.minimum:
            short.append(Shortfall(item.title, rating, item.minimum))
    if not values:
        raise RatingError(f"rate at least one item that applies to {session_format} sessions")
    mean = Fraction(sum(values), len(values))
    passed = mean >= rubric.pass_mean and not short
    return RubricResult(mean, rubric.band(mean), passed, len(values), tuple(short))


class Approval(StrEnum):
    AUTOMATIC = "automatic"
    DIRECTOR = "director"


class SignoffRule(StrEnum):
    """Which sign-offs count towards certification."""

    LATEST = "latest"  # the latest ones, as many as the policy needs, must each pass
    EACH = "each"  # every sign-off recorded must pass


# What a trainer observed, in the words the sign-off form offers.
OBSERVED_KINDS = {
    "real session": "A real session, observed live",
    "recorded session": "A recorded session",
    "role-play": "A role-played session",
}
REAL_KINDS = frozenset({"real session", "recorded session"})


@dataclass(frozen=True)
class CertificationRules:
    """An organisation's requirements (sensible defaults; directors can change them)."""

    consultation_sessions: int = 12
    consultation_rate: int = 75
    require_signoff: bool = True
    approval: Approval = Approval.AUTOMATIC
    validity_months: int = 24
    reminder_days: tuple[int, ...] = (60, 30, 7)
    signoffs_needed: int = 2
    real_session_needed: bool = True
    signoff_rule: SignoffRule = SignoffRule.LATEST

    @property
    def expiring_within_days(self) -> int:
        """How near its end a certificate counts as expiring: from the first reminder on, so
        the director's count and the dashboard's filter agree with what practitioners are told;
        60 days when the organisation has turned every reminder off."""
        return max(self.reminder_days, default=60)


@dataclass(frozen=True)
class SignoffRecord:
    """One recorded sign-off, as certification weighs it."""

    observed_on: date
    observed: str
    result: RubricResult


@dataclass(frozen=True)
class Evidence:
    """What a practitioner has done, as certification needs it (sign-offs oldest first)."""

    days_incomplete: tuple[int, ...]
    quizzes_not_passed: tuple[str, ...]
    consultation_credited: int | None  # None: not in a consultation group
    consultation_counted: int | None  # the period's sessions that count (excused ones forgiven)
    signoffs: tuple[SignoffRecord, ...] = ()
    quiz_titles: Mapping[str, str] = field(default_factory=dict)

    @property
    def consultation_rate(self) -> Fraction:
        """Credited sessions as a percentage of the period's counted ones."""
        credited, counted = self.consultation_credited or 0, self.consultation_counted or 0
        return Fraction(credited * 100, counted) if counted else Fraction(0)


def consultation_needed(e: Evidence, rules: CertificationRules) -> int:
    """The credited consultation sessions certification asks of this practitioner's period."""
    counted = e.consultation_counted or 0
    return sessions_needed(counted, rules.consultation_rate, rules.consultation_sessions)


def consultation_shortfall(credited: int, counted: int, rules: CertificationRules) -> int:
    """The credited sessions one group's period still lacks (0 once the requirement is met)."""
    needed = sessions_needed(counted, rules.consultation_rate, rules.consultation_sessions)
    return max(0, needed - credited)


class ConsultationStanding(Protocol):
    """One group's standing of one practitioner (app.domain.consultation.AttendanceSummary)."""

    @property
    def credited(self) -> int: ...

    @property
    def counted(self) -> int: ...


def closest_to_met(
    standings: Iterable[GroupStanding], rules: CertificationRules
) -> GroupStanding | None:
    """Of a practitioner's groups, the standing that counts: one that meets the requirement,
    else the one fewest sessions short, then the one with the most attended.

    The most attended alone is not it: 13 of a 20-session period (15 needed) would hide 12 of
    12 in another group, which meets the requirement.
    """

    def nearness(standing: GroupStanding) -> tuple[int, int]:
        credited, counted = standing.credited, standing.counted
        return consultation_shortfall(credited, counted, rules), -credited

    return min(standings, key=nearness, default=None)


@dataclass(frozen=True)
class Requirement:
    key: str
    label: str
    met: bool
    missing: str = ""


@dataclass(frozen=True)
class Eligibility:
    requirements: tuple[Requirement, ...]

    @property
    def eligible(self) -> bool:
        return all(r.met for r in self.requirements)


def _days_text(days: Sequence[int]) -> str:
    named = [f"Day {d}" for d in days]
    return named[0] if len(named) == 1 else ", ".join(named[:-1]) + " and " + named[-1]


def _training(e: Evidence) -> Requirement:
    missing = (
        f"{_days_text(e.days_incomplete)} of the training not yet complete"
        if e.days_incomplete
        else ""
    )
    return Requirement(
        "training",
        "All five days of the intensive training complete",
        not e.days_incomplete,
        missing,
    )


def _quizzes(e: Evidence) -> Requirement:
    names = [e.quiz_titles.get(q, q) for q in e.quizzes_not_passed]
    missing = "; ".join(f"{name} not yet passed" for name in names)
    return Requirement("quizzes", "Every competency quiz passed", not names, missing)


def _consultation(e: Evidence, rules: CertificationRules) -> Requirement:
    label = f"Weekly consultation: at least {rules.consultation_sessions} sessions and {rules.consultation_rate}% of the period"
    if e.consultation_credited is None or e.consultation_counted is None:
        return Requirement("consultation", label, False, "Not yet in a consultation group")
    needed = consultation_needed(e, rules)
    short = consultation_shortfall(e.consultation_credited, e.consultation_counted, rules)
    if not short:
        return Requirement("consultation", label, True)
    why = (
        f"at least {needed} are needed"
        if needed == rules.consultation_sessions
        else f"{needed} are needed: {rules.consultation_rate}% of the period's "
        f"{e.consultation_counted}"
    )
    sessions = "sessions" if short > 1 else "session"
    return Requirement(
        "consultation", label, False, f"{short} more consultation {sessions} ({why})"
    )


def _signoff_label(rules: CertificationRules) -> str:
    needed = rules.signoffs_needed
    label = (
        "A trainer's passing competency sign-off after an observed session"
        if needed == 1
        else f"{needed} passing competency sign-offs by a trainer, of observed sessions"
    )
    return label + (
        ", at least one a real or recorded session" if rules.real_session_needed else ""
    )


def _not_passed(record: SignoffRecord) -> str:
    result = record.result
    rated = f"The sign-off of {date_in_words(record.observed_on)} rated {float(result.mean):.2f} ({result.band})"
    if result.below_minimum:
        return f"{rated}, not passed: " + "; ".join(str(s) for s in result.below_minimum)
    return f"{rated}: below the pass mark"


def counted_signoffs(e: Evidence, rules: CertificationRules) -> tuple[SignoffRecord, ...]:
    """The sign-offs the rule counts: the latest ones the policy needs, or every one."""
    if rules.signoff_rule is SignoffRule.EACH:
        return e.signoffs
    return e.signoffs[-rules.signoffs_needed :]


def _signoff(e: Evidence, rules: CertificationRules) -> Requirement:
    label = _signoff_label(rules)
    if not e.signoffs:
        return Requirement("signoff", label, False, "No competency sign-off yet")
    counted = counted_signoffs(e, rules)
    gaps = [_not_passed(record) for record in counted if not record.result.passed][-1:]
    short = rules.signoffs_needed - len(counted)
    if short > 0:
        gaps.append(f"{short} more sign-off{'s' if short > 1 else ''} needed")
    if rules.real_session_needed and not any(r.observed in REAL_KINDS for r in counted):
        gaps.append(
            "at least one sign-off must observe a real or recorded session, not a role-play"
        )
    return Requirement("signoff", label, not gaps, "; ".join(gaps))


def eligibility(evidence: Evidence, rules: CertificationRules) -> Eligibility:
    """Each requirement, met or not, and what is missing, in the order a practitioner works."""
    requirements = [_training(evidence), _quizzes(evidence), _consultation(evidence, rules)]
    if rules.require_signoff:
        requirements.append(_signoff(evidence, rules))
    return Eligibility(tuple(requirements))


def add_months(start: date, months: int) -> date:
    """The same day `months` later (the month's last day when it has fewer days)."""
    month = start.month - 1 + months
    year, month = start.year + month // 12, month % 12 + 1
    return date(year, month, min(start.day, monthrange(year, month)[1]))


RENEWAL_OPENS_MONTHS = 2


def renewal_opens(expires_on: date) -> date:
    """The first day a certificate may be renewed: the first whose date two months on reaches
    the expiry. Not `add_months(expires_on, -2)`, which is a day early at month ends: for an
    expiry of 30 April 2028 it gives 29 February, yet two months after that is 29 April."""
    opens = add_months(expires_on, -RENEWAL_OPENS_MONTHS)
    while add_months(opens, RENEWAL_OPENS_MONTHS) < expires_on:
        opens += timedelta(days=1)
    return opens
