"""Benchmark: the director's certification dashboard for an organisation of 10,000 practitioners.

Run with `make bench` (SQLite) or `DATABASE_URL=postgresql://… make bench`. It launches as a
director through a real signed LTI launch, fills the database, then times the dashboard page.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from flask_migrate import upgrade
from pytest_httpserver import HTTPServer
from sqlalchemy import text

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app import create_app
from app.domain.codes import new_code
from app.extensions import db
from app.models.base import utc_now
from config import load_settings
from tests.support.lms import DIRECTOR, LocalLms

PRACTITIONERS = int(os.environ.get("BENCH_PRACTITIONERS", "10000"))
RUNS = 7


def _fill(organisation_id: int, platform_id: int, cohort_id: int) -> None:
    now, today = utc_now(), utc_now().date()
    people = [
        {
            "platform_id": platform_id,
            "subject": f"bench-{i}",
            "name": f"Practitioner {i:05d}",
            "email": None,
            "created_at": now,
            "updated_at": now,
        }
        for i in range(PRACTITIONERS)
    ]
    db.session.execute(db.metadata.tables["person"].insert(), people)
    ids = [
        row[0]
        for row in db.session.execute(
            text("SELECT id FROM person WHERE subject LIKE 'bench-%' ORDER BY id")
        )
    ]
    db.session.execute(
        db.metadata.tables["enrolment"].insert(),
        [
            {"person_id": pid, "cohort_id": cohort_id, "role": "practitioner", "active": True}
            for pid in ids
        ],
    )
    certificates = [
        {
            "code": new_code(),
            "organisation_id": organisation_id,
            "person_id": pid,
            "holder_name": f"Practitioner {n}",
            "organisation_name": "Bench",
            "credential": "IMR Practitioner",
            "issued_on": today - timedelta(days=n % 700),
            "expires_on": today + timedelta(days=30 + n % 700),
            "training_hours": 30,
            "consultation_hours": 12,
            "evidence": {},
            "signatory_name": "",
            "signatory_title": "",
            "pdf_sha256": "0" * 64,
            "awaiting_approval": False,
            "created_at": now,
        }
        for n, pid in enumerate(ids)
        if n % 3 == 0
    ]
    db.session.execute(db.metadata.tables["certificate"].insert(), certificates)
    db.session.commit()


def main() -> None:
    folder = tempfile.mkdtemp()
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{folder}/bench.sqlite"
    app = create_app(load_settings({"IMR_PROFILE": "test", "DATABASE_URL": url}))
    server = HTTPServer(host="127.0.0.1", port=0)
    server.start()
    try:
        with app.app_context():
            upgrade()
            lms = LocalLms.start(server)
            lms.register("Bench organisation")
        client = app.test_client()
        assert lms.launch(client, DIRECTOR).status_code == 302
        with app.app_context():
            organisation_id, platform_id, cohort_id = db.session.execute(
                text(
                    "SELECT o.id, o.platform_id, c.id FROM organisation o JOIN cohort c ON c.organisation_id = o.id"
                )
            ).one()
            _fill(organisation_id, platform_id, cohort_id)
        timings = []
        for _ in range(RUNS):
            started = time.perf_counter()
            assert (
                client.get("/certification/dashboard?standing=expiring+within+60+days").status_code
                == 200
            )
            timings.append(time.perf_counter() - started)
        print(
            f"{PRACTITIONERS} practitioners on {url.split(':')[0]}: dashboard median {statistics.median(timings) * 1000:.0f} ms, "
            f"best {min(timings) * 1000:.0f} ms over {RUNS} runs"
        )
    finally:
        server.stop()


if __name__ == "__main__":
    main()
