"""Competency sign-offs: a trainer's rubric ratings of an observed session, kept as they were scored."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from fractions import Fraction

from sqlalchemy import select

from app.domain.certification import (
    OBSERVED_KINDS,
    RatingError,
    Rubric,
    RubricResult,
    Shortfall,
    SignoffRecord,
    check_observed_on,
    score_rubric,
)
from app.extensions import db
from app.models.base import utc_now
from app.models.certification import CompetencySignoff
from app.models.people import Person
from app.services.audit import audit


def record_signoff(
    rubric: Rubric,
    person_id: int,
    organisation_id: int,
    trainer_id: int,
    observed_on: date,
    observed: str,
    ratings: dict[str, int | None],
    comments: dict[str, str],
    summary: str,
    session_format: str = "individual",
) -> CompetencySignoff:
    """A trainer's rubric ratings; raises RatingError for a missing or out-of-range rating, or
    for a session dated later than today."""
    check_observed_on(observed_on, utc_now().date())
    if observed not in OBSERVED_KINDS:
        raise RatingError("say what you observed: a real, a recorded or a role-played session")
    result = score_rubric(rubric, ratings, session_format)
    signoff = CompetencySignoff(
        person_id=person_id,
        organisation_id=organisation_id,
        trainer_id=trainer_id,
        observed_on=observed_on,
        observed=observed,
        session_format=session_format,
        ratings=ratings,
        comments={k: v for k, v in comments.items() if v},
        summary=summary or None,
        mean=round(Decimal(result.mean.numerator) / Decimal(result.mean.denominator), 3),
        band=result.band,
        passed=result.passed,
        below_minimum=[list(short) for short in result.below_minimum],
        rubric_id=rubric.id,
    )
    db.session.add(signoff)
    person = db.session.get_one(Person, person_id)
    audit(
        organisation_id,
        trainer_id,
        "competency sign-off",
        person.display_name,
        f"mean {float(result.mean):.2f}, {result.band}, {'passed' if result.passed else 'not passed'}",
    )
    db.session.flush()
    return signoff


def signoffs_of(person_id: int, organisation_id: int) -> list[CompetencySignoff]:
    """A practitioner's sign-offs in one organisation, oldest first."""
    query = select(CompetencySignoff).filter_by(
        person_id=person_id, organisation_id=organisation_id
    )
    return list(db.session.scalars(query.order_by(CompetencySignoff.id)))


def as_record(signoff: CompetencySignoff) -> SignoffRecord:
    """A stored sign-off as eligibility weighs it: its score as recorded, never re-scored."""
    shortfalls = tuple(Shortfall(*short) for short in signoff.below_minimum or [])
    result = RubricResult(
        Fraction(str(signoff.mean)), signoff.band, signoff.passed, len(signoff.ratings), shortfalls
    )
    return SignoffRecord(signoff.observed_on, signoff.observed, result)
