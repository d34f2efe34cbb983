"""Benchmark: the director's dashboard and a trainer's home at a large provider's scale.

Run with `make bench`, or `.venv/bin/python bench/dashboard.py` (SQLite in a temporary folder)
and `DATABASE_URL=postgresql://postgres@127.0.0.1:5432/bench .venv/bin/python bench/dashboard.py`
(that database is emptied first). It launches a director and a trainer through real signed LTI
launches, then fills one organisation with 10,000 practitioners in five cohorts of 2,000 (the
trainer leads one), a third of them certified with a real sealed certificate PDF and evidence
snapshot in the database, some expiring within 60 days and some revoked. It prints the median of
the director's dashboard as first opened (no filter) and of the trainer's home, each beside the
time the database takes to return the same rows in raw SQL, and the time of a zip of 1,000
certificate PDFs.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import text

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.domain.codes import new_code
from app.extensions import db
from app.models.base import utc_now
from app.pdf.certificate import CertificateFace, render
from bench.launch import registered
from tests.support.lms import COURSE, DIRECTOR, TRAINER, csrf_token

PRACTITIONERS = int(os.environ.get("BENCH_PRACTITIONERS", "10000"))
COHORTS = 5
RUNS = int(os.environ.get("BENCH_RUNS", "7"))
ZIPPED = 1000
# The shape of the snapshot a certificate keeps of what it was issued on (services/evidence.py).
EVIDENCE = {
    "training_completed": [1, 2, 3, 4, 5],
    "quizzes_passed": {
        f"Module {n} competency quiz": {"passed_on": "2026-03-02", "score": 92} for n in range(12)
    },
    "consultation_sessions": 14,
    "consultation_rate": 88,
    "signoffs": [
        {"observed": "role-play", "observed_on": "2026-02-11", "band": "competent", "mean": 3.4},
        {"observed": "real session", "observed_on": "2026-03-01", "band": "competent", "mean": 3.6},
    ],
    "modules": {f"module-{n}": {"completed_on": "2026-01-20", "minutes": 95} for n in range(40)},
}


def sealed_pdf(today: date) -> bytes:
    """One real certificate, rendered as issue renders it; its bytes stand for every one."""
    face = CertificateFace(
        holder_name="Practitioner 00000",
        credential="IMR Practitioner",
        organisation_name="Bench organisation",
        program_name="Bench program",
        issued_on=today,
        expires_on=today + timedelta(days=730),
        training_hours="30.00",
        consultation_hours="12.00",
        code=new_code(),
        verify_url="http://localhost/verify/ABCD-EFGH",
        signatory_name="Omar Haddad",
        signatory_title="Program Director",
    )
    return render(face)


def _cohorts(organisation_id: int, trainer_cohort: int) -> list[int]:
    """The trainer's cohort and four more, so the organisation spans several courses."""
    table = db.metadata.tables["cohort"]
    now = utc_now()
    for n in range(1, COHORTS):
        db.session.execute(
            table.insert().values(
                organisation_id=organisation_id,
                context_id=f"bench-course-{n}",
                title=f"Bench cohort {n}",
                days_unlock_in_order=False,
                created_at=now,
            )
        )
    others = db.session.scalars(
        text("SELECT id FROM cohort WHERE context_id LIKE 'bench-course-%' ORDER BY id")
    )
    return [trainer_cohort, *others]


def _people(platform_id: int, cohorts: list[int]) -> list[int]:
    now = utc_now()
    people = [
        {
            "platform_id": platform_id,
            "subject": f"bench-{i}",
            "name": f"Practitioner {i:05d}",
            "email": f"practitioner{i}@example.org",
            "created_at": now,
            "updated_at": now,
        }
        for i in range(PRACTITIONERS)
    ]
    db.session.execute(db.metadata.tables["person"].insert(), people)
    ids = list(
        db.session.scalars(text("SELECT id FROM person WHERE subject LIKE 'bench-%' ORDER BY id"))
    )
    enrolments = [
        {
            "person_id": pid,
            "cohort_id": cohorts[n % len(cohorts)],
            "role": "practitioner",
            "active": True,
            "last_launch_at": now,
        }
        for n, pid in enumerate(ids)
    ]
    db.session.execute(db.metadata.tables["enrolment"].insert(), enrolments)
    return ids


def _certificate(organisation_id: int, pid: int, n: int, pdf: bytes, today: date) -> dict:
    """Every third practitioner: mostly valid, one in ten expiring soon, one in twenty revoked."""
    now = utc_now()
    expiring = n % 10 == 0
    revoked = n % 20 == 3
    return {
        "code": new_code(),
        "organisation_id": organisation_id,
        "person_id": pid,
        "program_name": None,
        "holder_name": f"Practitioner {n:05d}",
        "organisation_name": "Bench organisation",
        "credential": "IMR Practitioner",
        "issued_on": today - timedelta(days=n % 700),
        "expires_on": today + timedelta(days=20 if expiring else 90 + n % 600),
        "training_hours": 30,
        "consultation_hours": 12,
        "evidence": EVIDENCE,
        "signatory_name": "Omar Haddad",
        "signatory_title": "Program Director",
        "pdf": pdf,
        "pdf_sha256": "0" * 64,
        "state": "revoked" if revoked else "issued",
        "revoked_at": now if revoked else None,
        "revoked_reason": "Bench revocation" if revoked else None,
        "created_at": now,
    }


def fill(organisation_id: int, platform_id: int, trainer_cohort: int) -> None:
    """The organisation at scale, written in bulk (the app's own services would take hours)."""
    today = utc_now().date()
    pdf = sealed_pdf(today)
    ids = _people(platform_id, _cohorts(organisation_id, trainer_cohort))
    table = db.metadata.tables["certificate"]
    chosen = [(n, pid) for n, pid in enumerate(ids) if n % 3 == 0]
    for start in range(0, len(chosen), 500):
        rows = [
            _certificate(organisation_id, pid, n, pdf, today) for n, pid in chosen[start:][:500]
        ]
        db.session.execute(table.insert(), rows)
    db.session.commit()
    if db.engine.dialect.name == "postgresql":
        # What autovacuum does within a minute of a bulk load: without statistics the planner
        # takes each new table for a handful of rows and picks nested loops over 10,000.
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("ANALYZE"))


RAW_DASHBOARD = """
SELECT p.id, p.name, p.given_name, p.family_name, p.email, c.title, pr.name
FROM person p JOIN enrolment e ON e.person_id = p.id JOIN cohort c ON c.id = e.cohort_id
LEFT JOIN program pr ON pr.id = c.program_id
WHERE c.organisation_id = :org AND e.role = 'practitioner' AND e.active
ORDER BY p.name;
SELECT person_id, count(*) FROM module_completion WHERE organisation_id = :org GROUP BY person_id;
SELECT id, code, person_id, state, issued_on, expires_on, pdf_sha256 FROM certificate
WHERE organisation_id = :org AND state != 'replaced' ORDER BY id
"""
RAW_TRAINER = """
SELECT e.id, e.role, e.active, e.last_launch_at, p.id, p.name, p.given_name, p.family_name, p.email
FROM enrolment e JOIN person p ON p.id = e.person_id WHERE e.cohort_id = :cohort ORDER BY p.name
"""


def median_ms(runs: int, action: Callable[[], Any]) -> float:
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        timings.append(time.perf_counter() - started)
    return statistics.median(timings) * 1000


def raw_ms(app: Flask, script: str, params: dict[str, int]) -> float:
    """The database's time for the page's rows, fetched in raw SQL on a warm connection."""
    with app.app_context(), db.engine.connect() as conn:

        def fetch() -> None:
            for statement in filter(str.strip, script.split(";")):
                conn.execute(text(statement), params).all()

        return median_ms(RUNS, fetch)


def page_ms(client: FlaskClient, path: str) -> float:
    def get() -> None:
        assert client.get(path).status_code == 200

    get()
    return median_ms(RUNS, get)


def zip_ms(app: Flask, client: FlaskClient, organisation_id: int) -> float:
    with app.app_context():
        ids = db.session.scalars(
            text("SELECT id FROM certificate WHERE organisation_id = :org ORDER BY id LIMIT :n"),
            {"org": organisation_id, "n": ZIPPED},
        ).all()
    token = csrf_token(client.get("/certification/verify-roster"))
    form = {"csrf_token": token, "certificate": [str(i) for i in ids]}
    started = time.perf_counter()
    response = client.post("/certification/dashboard.zip", data=form)
    assert response.status_code == 200
    assert len(response.data) > ZIPPED * 1000
    return (time.perf_counter() - started) * 1000


def main() -> None:
    with registered("dashboard.sqlite") as (app, lms):
        director, trainer = app.test_client(), app.test_client()
        assert lms.launch(director, DIRECTOR, COURSE).status_code == 302
        assert lms.launch(trainer, TRAINER, COURSE).status_code == 302
        with app.app_context():
            where = db.engine.dialect.name
            organisation_id, platform_id, cohort_id = db.session.execute(
                text(
                    "SELECT o.id, o.platform_id, c.id FROM organisation o "
                    "JOIN cohort c ON c.organisation_id = o.id"
                )
            ).one()
            fill(organisation_id, platform_id, cohort_id)
        dashboard = page_ms(director, "/certification/dashboard")
        dashboard_sql = raw_ms(app, RAW_DASHBOARD, {"org": organisation_id})
        home = page_ms(trainer, "/trainer")
        home_sql = raw_ms(app, RAW_TRAINER, {"cohort": cohort_id})
        zipped = zip_ms(app, director, organisation_id)
    print(
        f"{PRACTITIONERS} practitioners on {where}, medians of {RUNS}: director's dashboard "
        f"{dashboard:.0f} ms (raw SQL {dashboard_sql:.0f} ms); trainer's home, cohort of "
        f"{PRACTITIONERS // COHORTS}: {home:.0f} ms (raw SQL {home_sql:.0f} ms); "
        f"zip of {ZIPPED} certificate PDFs {zipped:.0f} ms"
    )


if __name__ == "__main__":
    main()
