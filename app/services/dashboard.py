"""The director's view over all programs: a page of rows and GROUP BY counts, however many people."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Select, Subquery, case, func, or_, select
from sqlalchemy.orm import aliased, defer

from app.domain.certificates import CertificateState, Standing
from app.domain.paging import Page, PageRequest
from app.domain.roles import Role
from app.extensions import content, db
from app.models.base import utc_now
from app.models.certification import Certificate
from app.models.people import Enrolment, Person
from app.models.tenancy import Cohort, Program
from app.models.training import ModuleCompletion
from app.services.hours import Ledger
from app.services.listing import ordered, paged
from app.services.policies import policy_of, rules_of

EXPIRING = "expiring soon"
STATUSES = (
    "in training",
    "in consultation",
    "awaiting approval",
    "certified",
    EXPIRING,
    "expired",
    "suspended",
    "revoked",
)
# After the cohort of a certified practitioner no longer in any of the organisation's courses.
LEFT_THE_COURSE = " (left the course)"
# The statuses counted by program at the top of the dashboard: all of them, so that each
# program's row adds up to its practitioners (without "awaiting approval" and "suspended" it
# did not, and a director could not tell where the others were).
COUNTED = STATUSES


def status_label(status: str, expiring_within_days: int) -> str:
    """A status as the director reads it: "expiring soon" says how soon, by their reminders."""
    return f"expiring within {expiring_within_days} days" if status == EXPIRING else status


@dataclass(frozen=True)
class Row:
    person: Person
    program: str | None
    cohort: str
    status: str
    certificate: Certificate | None


@dataclass(frozen=True)
class Filters:
    """What the director searched for: a name, email or code, a status, a program."""

    query: str = ""
    standing: str = ""
    program: str = ""


@dataclass
class DashboardView:
    rows: list[Row]
    page: Page
    filters: Filters
    by_program: dict[str, Counter[str]] = field(default_factory=dict)
    monthly: list[tuple[str, int]] = field(default_factory=list)
    programs: list[str] = field(default_factory=list)
    expiring_within_days: int = 60

    def label(self, status: str) -> str:
        return status_label(status, self.expiring_within_days)


def _status(certificate: Any, modules_done: Any, modules_total: int, window: _Window) -> Any:
    """The dashboard's status in SQL, as the domain's standing would name it (see `standing`)."""
    today = window.today
    issued = certificate.state == CertificateState.ISSUED
    return case(
        (
            certificate.id.is_(None) & (func.coalesce(modules_done, 0) >= modules_total),
            "in consultation",
        ),
        (certificate.id.is_(None), "in training"),
        (certificate.state == CertificateState.AWAITING_APPROVAL, "awaiting approval"),
        (issued & (certificate.expires_on < today), Standing.EXPIRED.value),
        (issued & (certificate.expires_on <= today + window.expiring), EXPIRING),
        (issued, "certified"),
        (certificate.state == CertificateState.SUSPENDED, Standing.SUSPENDED.value),
        else_=Standing.REVOKED.value,
    )


@dataclass(frozen=True)
class _Window:
    """The day the statuses are read on, and how near its end a certificate is expiring."""

    today: date
    expiring: timedelta

    @classmethod
    def of(cls, organisation_id: int) -> _Window:
        days = rules_of(policy_of(organisation_id)).expiring_within_days
        return cls(utc_now().date(), timedelta(days=days))


def _practitioners(organisation_id: int, window: _Window) -> Subquery:
    """One row per practitioner (see `_first_cohorts`): their first cohort, program, latest
    certificate and status."""
    placed = _first_cohorts(organisation_id)
    latest = _latest_certificates(organisation_id)
    done = (
        select(ModuleCompletion.person_id, func.count().label("modules"))
        .where(ModuleCompletion.organisation_id == organisation_id)
        .group_by(ModuleCompletion.person_id)
        .subquery()
    )
    modules_total = len(content().catalog.modules)
    return (
        select(
            placed.c.person_id,
            case(
                (placed.c.active.is_(True), Cohort.title), else_=Cohort.title + LEFT_THE_COURSE
            ).label("cohort"),
            func.coalesce(Program.name, "No program").label("program"),
            latest.c.id.label("certificate_id"),
            latest.c.code,
            latest.c.expires_on,
            _status(latest.c, done.c.modules, modules_total, window).label("status"),
        )
        .join(Cohort, Cohort.id == placed.c.cohort_id)
        .outerjoin(Program, Program.id == Cohort.program_id)
        .outerjoin(latest, latest.c.person_id == placed.c.person_id)
        .outerjoin(done, done.c.person_id == placed.c.person_id)
        .subquery()
    )


def _first_cohorts(organisation_id: int) -> Subquery:
    """Each practitioner once, in their first cohort of the organisation that they are still
    in: every practitioner still in a course, and every one holding a certificate of it (in the
    first cohort they were in, once they are in none), since a course's end takes nobody's
    certificate away; theirs must stay findable to approve, renew or revoke, as the director's
    home counts them.

    Written as "no earlier cohort" rather than MIN(cohort_id) … GROUP BY: PostgreSQL cannot
    estimate how many rows a join on an aggregate finds, guessed 250 for 10,000, and walked
    every practitioner's person and certificates one index probe at a time.
    """
    earlier, elsewhere = aliased(Enrolment), aliased(Cohort)
    certified = (
        select(Certificate.id)
        .where(
            Certificate.organisation_id == organisation_id,
            Certificate.person_id == Enrolment.person_id,
        )
        .exists()
    )
    return (
        select(Enrolment.person_id, Enrolment.cohort_id, Enrolment.active)
        .join(Cohort, Cohort.id == Enrolment.cohort_id)
        .where(
            Cohort.organisation_id == organisation_id,
            Enrolment.role == Role.PRACTITIONER,
            Enrolment.active.is_(True) | certified,
            ~select(earlier.id)
            .join(elsewhere, elsewhere.id == earlier.cohort_id)
            .where(
                earlier.person_id == Enrolment.person_id,
                elsewhere.organisation_id == organisation_id,
                earlier.role == Role.PRACTITIONER,
                earlier.active.is_(True) | certified,
                (earlier.active.is_(True) & Enrolment.active.is_(False))
                | (
                    (earlier.active == Enrolment.active) & (earlier.cohort_id < Enrolment.cohort_id)
                ),
            )
            .exists(),
        )
        .subquery()
    )


def _latest_certificates(organisation_id: int) -> Subquery:
    """Each practitioner's newest certificate that was not replaced: its id, code, state, expiry.

    Ranked in one pass over the columns the status needs, which the index
    ix_certificate_standing holds: a row of the table itself carries the sealed PDF, and on
    SQLite reading the columns stored after it means walking the PDF's overflow pages.
    """
    newer = aliased(Certificate)
    standing = (Certificate.organisation_id == organisation_id) & (
        Certificate.state != CertificateState.REPLACED
    )
    return (
        select(
            Certificate.person_id,
            Certificate.id,
            Certificate.code,
            Certificate.state,
            Certificate.expires_on,
        )
        .where(
            standing,
            ~select(newer.id)
            .where(
                newer.organisation_id == organisation_id,
                newer.person_id == Certificate.person_id,
                newer.state != CertificateState.REPLACED,
                newer.id > Certificate.id,
            )
            .exists(),
        )
        .subquery()
    )


def _by_program(rows: Subquery) -> dict[str, Counter[str]]:
    counts: dict[str, Counter[str]] = {}
    for program, status, count in db.session.execute(
        select(rows.c.program, rows.c.status, func.count()).group_by(rows.c.program, rows.c.status)
    ):
        counts.setdefault(program, Counter())[status] = count
    return counts


def _total(by_program: dict[str, Counter[str]], filters: Filters) -> int | None:
    """How many rows the filters match, read from the counts by program and status; None for a
    search by name, email or code, which the counts cannot answer."""
    if filters.query.strip():
        return None
    return sum(
        count
        for program, statuses in by_program.items()
        if not filters.program or program == filters.program
        for status, count in statuses.items()
        if not filters.standing or status == filters.standing
    )


def _months(today: date) -> list[str]:
    months, year, month = [], today.year, today.month
    for _ in range(12):
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return list(reversed(months))


def _monthly(organisation_id: int, today: date) -> list[tuple[str, int]]:
    """Certificates issued in each of the last twelve months, counted by day in SQL."""
    months = _months(today)
    counts: Counter[str] = Counter()
    for day, count in db.session.execute(
        select(Certificate.issued_on, func.count())
        .where(
            Certificate.organisation_id == organisation_id,
            Certificate.state.not_in(
                [CertificateState.REPLACED, CertificateState.AWAITING_APPROVAL]
            ),
            Certificate.issued_on >= date.fromisoformat(f"{months[0]}-01"),
        )
        .group_by(Certificate.issued_on)
    ):
        counts[day.strftime("%Y-%m")] += count
    return [(m, counts.get(m, 0)) for m in months]


def _matching(rows: Subquery, filters: Filters) -> Select[Any]:
    """The dashboard's rows that match the filters: ids and the columns shown or sorted on.

    Narrow on purpose: sorting every practitioner for a page then moves a few columns, not
    whole people and certificates, which `_with_records` loads for the page's rows alone.
    """
    query = select(
        rows.c.person_id,
        Person.name,
        rows.c.cohort,
        rows.c.program,
        rows.c.status,
        rows.c.certificate_id,
        rows.c.expires_on,
    ).join(Person, Person.id == rows.c.person_id)
    needle = filters.query.strip().lower()
    if needle:
        query = query.where(
            or_(
                *(
                    func.lower(column).contains(needle, autoescape=True)
                    for column in (Person.name, Person.given_name, Person.family_name, Person.email)
                ),
                func.lower(rows.c.code).contains(needle, autoescape=True),
            )
        )
    if filters.standing:
        query = query.where(rows.c.status == filters.standing)
    if filters.program:
        query = query.where(rows.c.program == filters.program)
    return query


def _with_records(chosen: Subquery) -> Select[Any]:
    """The chosen rows with their person and certificate (its PDF and evidence left unloaded)."""
    return (
        select(Person, chosen.c.cohort, chosen.c.program, chosen.c.status, Certificate)
        .join(chosen, chosen.c.person_id == Person.id)
        .outerjoin(Certificate, Certificate.id == chosen.c.certificate_id)
        .options(defer(Certificate.pdf), defer(Certificate.evidence))
    )


SORTS = ("name", "program", "cohort", "status", "expires")


def _orders(rows: Subquery) -> dict[str, list[Any]]:
    """Each sort's columns, on the matching rows or on the page of them already chosen."""
    return {
        "name": [rows.c.name, rows.c.person_id],
        "program": [rows.c.program, rows.c.name, rows.c.person_id],
        "cohort": [rows.c.cohort, rows.c.name, rows.c.person_id],
        "status": [rows.c.status, rows.c.name, rows.c.person_id],
        "expires": [rows.c.expires_on, rows.c.name, rows.c.person_id],
    }


def _rows(result: Any) -> list[Row]:
    return [
        Row(person, None if program == "No program" else program, cohort, status, certificate)
        for person, cohort, program, status, certificate in result
    ]


def director_dashboard(
    organisation_id: int, filters: Filters, request: PageRequest
) -> DashboardView:
    """One page of the organisation's practitioners with their certification status.

    Three statements at any size: counts by program and status, the monthly chart (both GROUP
    BY) and the page's rows; a search adds a fourth, the number of rows it matches. Each of the
    organisation's practitioners is thus weighed twice, not three times. Certificates' PDFs and
    evidence stay unloaded.
    """
    window = _Window.of(organisation_id)
    rows = _practitioners(organisation_id, window)
    by_program = _by_program(rows)
    matching = _matching(rows, filters).subquery()
    query = ordered(select(matching), request, _orders(matching))
    page, shown = paged(query, request, _total(by_program, filters))
    chosen = shown.subquery()
    return DashboardView(
        rows=_rows(db.session.execute(ordered(_with_records(chosen), request, _orders(chosen)))),
        page=page,
        filters=filters,
        by_program=by_program,
        monthly=_monthly(organisation_id, window.today),
        programs=sorted(by_program),
        expiring_within_days=window.expiring.days,
    )


def dashboard_rows(organisation_id: int, filters: Filters) -> list[Row]:
    """Every matching row, by name, for the CSV export (a download, not a page)."""
    window = _Window.of(organisation_id)
    rows = _practitioners(organisation_id, window)
    matching = _matching(rows, filters).subquery()
    query = _with_records(matching).order_by(matching.c.name, matching.c.person_id)
    return [
        replace(row, status=status_label(row.status, window.expiring.days))
        for row in _rows(db.session.execute(query))
    ]


CSV_HEADER = [
    "Practitioner",
    "Email",
    "Program",
    "Cohort",
    "Status",
    "Certificate code",
    "Issued",
    "Expires",
    "Training hours",
    "Consultation hours",
]


def csv_rows(found: list[Row], hours: dict[int, Ledger]) -> list[list[object]]:
    """The dashboard's rows as the CSV export writes them, with each practitioner's hours."""
    rows: list[list[object]] = []
    for row in found:
        ledger = hours.get(row.person.id, Ledger())
        certificate = row.certificate
        rows.append(
            [
                row.person.display_name,
                row.person.email or "",
                row.program or "",
                row.cohort,
                row.status,
                certificate.code if certificate else "",
                certificate.issued_on if certificate else "",
                certificate.expires_on if certificate else "",
                f"{float(ledger.training_hours):.2f}",
                f"{float(ledger.consultation_hours):.2f}",
            ]
        )
    return rows
