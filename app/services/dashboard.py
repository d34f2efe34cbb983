"""The director's view over all programs, in a fixed number of queries however many people there are."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import func, select

from app.domain.certificates import CertificateState, Standing
from app.domain.roles import Role
from app.extensions import content, db
from app.models.base import utc_now
from app.models.certification import Certificate
from app.models.people import Enrolment, Person
from app.models.tenancy import Cohort, Program
from app.models.training import ModuleCompletion
from app.services.certificates import standing_of
from app.services.hours import Ledger


@dataclass(frozen=True)
class Row:
    person: Person
    program: str | None
    cohort: str
    status: str
    certificate: Certificate | None


@dataclass
class DashboardView:
    rows: list[Row]
    by_program: dict[str, Counter[str]] = field(default_factory=dict)
    monthly: list[tuple[str, int]] = field(default_factory=list)
    programs: list[str] = field(default_factory=list)
    query: str = ""
    standing: str = ""
    program: str = ""


def _status(certificate: Certificate | None, trained: bool, today: date) -> str:
    if certificate is None:
        return "in consultation" if trained else "in training"
    if certificate.awaiting_approval:
        return "awaiting approval"
    current = standing_of(certificate, today)
    if current is Standing.VALID:
        return (
            "expiring within 60 days"
            if certificate.expires_on <= today + timedelta(days=60)
            else "certified"
        )
    return current.value


def _last_twelve_months(today: date) -> list[tuple[int, int]]:
    """(year, month) of this month and the eleven before it, oldest first."""
    months, year, month = [], today.year, today.month
    for _ in range(12):
        months.append((year, month))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return list(reversed(months))


def _monthly(organisation_id: int, today: date) -> list[tuple[str, int]]:
    """Certificates issued per month over the last year, counted by the database (GROUP BY)."""
    months = _last_twelve_months(today)
    year = func.extract("year", Certificate.issued_on)
    month = func.extract("month", Certificate.issued_on)
    counted = db.session.execute(
        select(year, month, func.count())
        .where(
            Certificate.organisation_id == organisation_id,
            Certificate.state.not_in(
                [CertificateState.REPLACED, CertificateState.AWAITING_APPROVAL]
            ),
            Certificate.issued_on >= date(*months[0], 1),
        )
        .group_by(year, month)
    )
    counts = {(int(y), int(m)): n for y, m, n in counted}
    return [(f"{y:04d}-{m:02d}", counts.get((y, m), 0)) for y, m in months]


def director_dashboard(
    organisation_id: int, query: str = "", standing: str = "", program: str = ""
) -> DashboardView:
    """Every practitioner of the organisation with their certification status."""
    modules_total = len(content().catalog.modules)
    enrolments = db.session.execute(
        select(Person, Cohort.title, Program.name)
        .join(Enrolment, Enrolment.person_id == Person.id)
        .join(Cohort, Cohort.id == Enrolment.cohort_id)
        .outerjoin(Program, Program.id == Cohort.program_id)
        .where(
            Cohort.organisation_id == organisation_id,
            Enrolment.role == Role.PRACTITIONER,
            Enrolment.active.is_(True),
        )
        .order_by(Person.name)
    ).all()
    completed = dict(
        db.session.execute(
            select(ModuleCompletion.person_id, func.count())
            .where(ModuleCompletion.organisation_id == organisation_id)
            .group_by(ModuleCompletion.person_id)
        ).all()
    )
    certificates = list(
        db.session.scalars(
            select(Certificate)
            .where(
                Certificate.organisation_id == organisation_id,
                Certificate.state != CertificateState.REPLACED,
            )
            .order_by(Certificate.id)
        )
    )
    latest = {c.person_id: c for c in certificates}
    today = utc_now().date()
    seen, rows = set(), []
    for person, cohort_title, program_name in enrolments:
        if person.id in seen:
            continue
        seen.add(person.id)
        status = _status(latest.get(person.id), completed.get(person.id, 0) >= modules_total, today)
        rows.append(Row(person, program_name, cohort_title, status, latest.get(person.id)))
    view = DashboardView(rows=[], query=query, standing=standing, program=program)
    for row in rows:
        view.by_program.setdefault(row.program or "No program", Counter())[row.status] += 1
    view.programs = sorted(view.by_program)
    view.monthly = _monthly(organisation_id, today)
    needle = query.strip().lower()
    view.rows = [
        r
        for r in rows
        if (
            not needle
            or needle in r.person.display_name.lower()
            or (r.certificate and needle in r.certificate.code.lower())
        )
        and (not standing or r.status == standing)
        and (not program or (r.program or "No program") == program)
    ]
    return view


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


def csv_rows(view: DashboardView, hours: dict[int, Ledger]) -> list[list[object]]:
    """The dashboard's rows as the CSV export writes them, with each practitioner's hours."""
    rows: list[list[object]] = []
    for row in view.rows:
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
