"""The dashboard's zip of certificate PDFs, written batch by batch to a spooled file.

The certificates are real rows with distinct PDF bytes; there are more of them than one batch
holds, so a member lost or repeated at a batch boundary would show.
"""

from __future__ import annotations

import io
import zipfile
from datetime import timedelta

from flask import Flask
from sqlalchemy import text

from app.domain.codes import new_code
from app.extensions import db
from app.models.base import utc_now
from app.services.certificates import PDF_BATCH
from tests.support.lms import DIRECTOR, LocalLms, csrf_token

CERTIFICATES = 2 * PDF_BATCH + 3


def _certified_people(app: Flask) -> dict[int, tuple[str, bytes]]:
    """Practitioners of the director's organisation, each with an issued certificate."""
    now, today = utc_now(), utc_now().date()
    with app.app_context():
        organisation_id, platform_id = db.session.execute(
            text("SELECT id, platform_id FROM organisation")
        ).one()
        people = db.metadata.tables["person"]
        db.session.execute(
            people.insert(),
            [
                {"platform_id": platform_id, "subject": f"zip-{n}", "name": f"Holder {n}"}
                | {"created_at": now, "updated_at": now}
                for n in range(CERTIFICATES)
            ],
        )
        ids = db.session.scalars(text("SELECT id FROM person WHERE subject LIKE 'zip-%'")).all()
        rows = [_certificate(organisation_id, pid, today) | {"created_at": now} for pid in ids]
        db.session.execute(db.metadata.tables["certificate"].insert(), rows)
        db.session.commit()
        found = db.session.execute(text("SELECT id, code, pdf FROM certificate")).all()
    return {row.id: (row.code, bytes(row.pdf)) for row in found}


def _certificate(organisation_id: int, person_id: int, today) -> dict:
    return {
        "code": new_code(),
        "organisation_id": organisation_id,
        "person_id": person_id,
        "holder_name": f"Holder {person_id}",
        "organisation_name": "Riverside Mental Health",
        "credential": "IMR Practitioner",
        "issued_on": today,
        "expires_on": today + timedelta(days=730),
        "training_hours": 30,
        "consultation_hours": 12,
        "evidence": {},
        "signatory_name": "Omar Haddad",
        "signatory_title": "Program Director",
        "pdf": b"%PDF-1.4 certificate of person " + str(person_id).encode() * 500,
        "pdf_sha256": "0" * 64,
        "state": "issued",
    }


def test_the_zip_holds_every_chosen_pdf_whole_across_batches(app: Flask, lms: LocalLms):
    director = app.test_client()
    lms.launch(director, DIRECTOR)
    certificates = _certified_people(app)
    token = csrf_token(director.get("/certification/verify-roster"))
    response = director.post(
        "/certification/dashboard.zip",
        data={"csrf_token": token, "certificate": [str(i) for i in certificates]},
    )
    assert response.status_code == 200
    assert response.content_length == len(response.data)
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    assert archive.testzip() is None
    expected = {f"imr-certificate-{code[:19]}.pdf": pdf for code, pdf in certificates.values()}
    assert sorted(archive.namelist()) == sorted(expected)
    assert all(archive.read(name) == pdf for name, pdf in expected.items())
