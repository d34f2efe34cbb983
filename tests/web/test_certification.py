"""Certification end to end: eligibility, the sealed PDF, public verification, the director's view."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import zipfile
from datetime import date, timedelta

import jwt
import pypdfium2
import pytest
import zxingcpp
from flask import Flask
from jwcrypto.jwk import JWK
from pypdf import PdfReader
from sqlalchemy import event, func, select

from app.domain.certification import add_months
from app.domain.roles import Role
from app.extensions import db
from app.models.base import utc_now
from app.models.certification import (
    AuditEntry,
    Certificate,
    CertificationPolicy,
    CompetencySignoff,
)
from app.models.people import Enrolment, Person
from app.models.tenancy import Cohort
from app.services.certificates import renewal_gap, seal
from tests.support.forms import form_fields
from tests.support.journey import attend_consultation, complete_training_and_quizzes, revoke
from tests.support.journey import certificate_of as _certificate
from tests.support.journey import everything as _everything
from tests.support.journey import sign_off as _sign_off
from tests.support.lms import DIRECTOR, PRACTITIONER, PRACTITIONER_2, TRAINER, csrf_token


def test_the_checklist_says_what_is_missing(app, lms):
    client = app.test_client()
    lms.launch(client, PRACTITIONER)
    page = client.get("/certification/").get_data(as_text=True)
    assert "Day 1, Day 2, Day 3, Day 4 and Day 5 of the training not yet complete" in page
    assert "Not yet in a consultation group" in client.get("/practitioner").get_data(as_text=True)
    assert "Day 1 competency quiz: recovery and the shape of IMR not yet passed" in page
    assert "Not yet in a consultation group" in page
    assert "No competency sign-off yet" in page


def _at_the_signoff_form(app, lms):
    """A trainer on a practitioner's sign-off form: the trainer's client, the practitioner, the page."""
    trainer = app.test_client()
    lms.launch(app.test_client(), PRACTITIONER)
    lms.launch(trainer, TRAINER)
    with app.app_context():
        person_id = db.session.scalars(select(Person).filter_by(subject=PRACTITIONER.sub)).one().id
    return trainer, person_id, trainer.get(f"/certification/signoff/{person_id}")


def test_a_missing_rubric_rating_is_refused(app, lms):
    trainer, person_id, page = _at_the_signoff_form(app, lms)
    response = trainer.post(
        f"/certification/signoff/{person_id}",
        data={
            "csrf_token": csrf_token(page),
            "observed_on": "2026-11-20",
            "observed": "role-play",
            "session_format": "individual",
            "rating-goal-setting": "4",
        },
    )
    assert response.status_code == 400
    assert "Rate “Follows the IMR curriculum”: it is required" in response.get_data(as_text=True)


@pytest.mark.parametrize("observed_on", ["2062-11-20", "0001-01-01", "1999-12-31"])
def test_a_sign_off_dated_in_the_future_or_before_imr_is_refused(app, lms, observed_on):
    """The date goes into the certificate's evidence: a slip of the keyboard must not."""
    trainer, person_id, page = _at_the_signoff_form(app, lms)
    ratings = {"rating-structured-curriculum": "4", "rating-goal-setting": "4"}
    response = trainer.post(
        f"/certification/signoff/{person_id}",
        data={
            "csrf_token": csrf_token(page),
            "observed_on": observed_on,
            "observed": "role-play",
            "session_format": "individual",
            **ratings,
        },
    )
    assert response.status_code == 400
    assert (
        "Give the date of the observed session: today or earlier, and not before 1 January 2000"
        in response.get_data(as_text=True)
    )
    assert f'value="{observed_on}"' in response.get_data(as_text=True), "what was typed stays"
    with app.app_context():
        assert db.session.scalars(select(CompetencySignoff)).all() == []


def test_the_group_that_meets_consultation_counts_not_the_one_attended_most(app, lms):
    """13 of a 20-session period (15 needed) must not hide 12 of 12 in another group."""
    practitioner = app.test_client()
    lms.launch(practitioner, PRACTITIONER)
    trainer = app.test_client()
    lms.launch(trainer, TRAINER)
    complete_training_and_quizzes(app, PRACTITIONER.sub)
    attend_consultation(app, PRACTITIONER.sub, TRAINER.sub, 20, attended=13, name="A Tuesday")
    attend_consultation(app, PRACTITIONER.sub, TRAINER.sub, 12, name="B Thursday")
    assert "You have met the consultation requirement." in practitioner.get(
        "/consultation/mine"
    ).get_data(as_text=True)
    checklist = practitioner.get("/certification/").get_data(as_text=True)
    assert "more consultation session" not in checklist
    assert "Maya Chen" in trainer.get("/trainer/queues/ready").get_data(as_text=True)
    assert _sign_off(app, lms)[1].status_code == 302
    assert _certificate(app).holder_name == "Maya Chen", "the sign-off completes the evidence"


def test_a_certificate_stays_on_the_dashboard_when_its_holder_leaves_the_course(app, lms):
    """A course's end is routine: the certificate must stay findable to renew or revoke."""
    _everything(app, lms)
    _sign_off(app, lms)
    certificate = _certificate(app)
    leaver = app.test_client()
    lms.launch(leaver, PRACTITIONER_2)  # in training, no certificate: leaves the list
    with app.app_context():
        for enrolment in db.session.scalars(select(Enrolment).filter_by(role=Role.PRACTITIONER)):
            enrolment.active = False  # what the roster sync records when the course ends
        db.session.commit()
    director = app.test_client()
    lms.launch(director, DIRECTOR)
    listed = director.get(f"/certification/dashboard?q={certificate.code}").get_data(as_text=True)
    assert "Maya Chen" in listed
    assert "(left the course)" in listed
    everyone = director.get("/certification/dashboard").get_data(as_text=True)
    assert "Tom Baker" not in everyone
    exported = director.get("/certification/dashboard.csv").get_data(as_text=True)
    assert certificate.code in exported


def test_a_practitioner_whose_certificate_was_revoked_is_not_told_to_see_it(app, lms):
    practitioner = _everything(app, lms)
    _sign_off(app, lms)
    assert "See your certificate" in practitioner.get("/practitioner").get_data(as_text=True)
    revoke(app, lms, _certificate(app).id, "Practice concerns")
    home = practitioner.get("/practitioner").get_data(as_text=True)
    assert "but your certificate is revoked" in home
    assert "See your certificate" not in home


def test_completing_everything_issues_a_sealed_verifiable_certificate(app, lms):
    practitioner = _everything(app, lms)
    trainer, signed = _sign_off(app, lms)
    assert signed.status_code == 302
    certificate = _certificate(app)
    assert certificate.code in trainer.get(signed.location).get_data(as_text=True)
    assert trainer.get(f"/certification/certificates/{certificate.id}.pdf").status_code == 200
    page = practitioner.get("/certification/").get_data(as_text=True)
    assert certificate.code in page
    pdf = practitioner.get(f"/certification/certificates/{certificate.id}.pdf")
    assert pdf.mimetype == "application/pdf"
    assert hashlib.sha256(pdf.data).hexdigest() == certificate.pdf_sha256
    text = PdfReader(io.BytesIO(pdf.data)).pages[0].extract_text()
    assert "Maya Chen" in text
    assert certificate.code in text
    document = pypdfium2.PdfDocument(pdf.data)
    image = document[0].render(scale=2).to_pil()
    document.close()
    [qr] = zxingcpp.read_barcodes(image)
    assert qr.text == f"http://localhost/verify/{certificate.code}"
    with app.app_context():
        again = db.session.get_one(Certificate, certificate.id)
        seal(again)
        assert again.pdf == pdf.data, "the same certificate renders to identical bytes"
        db.session.rollback()
        entry = db.session.scalars(
            select(AuditEntry).filter_by(action="certificate issued automatically")
        ).one()
        assert entry.actor_id is None, "issued by the product, not by the trainer who signed off"
        assert entry.reason == "after a competency sign-off was recorded"


def test_public_verification_valid_revoked_unknown_malformed_and_altered(app, lms):
    _everything(app, lms)
    _sign_off(app, lms)
    certificate = _certificate(app)
    public = app.test_client()
    valid = public.get(f"/verify/{certificate.code.lower().replace('-', ' ')}")
    assert valid.status_code == 200
    html = valid.get_data(as_text=True)
    assert "Valid" in html
    assert "Maya Chen" in html
    assert "maya.chen@example.org" not in html, "nothing more about the person than their name"
    as_json = public.get(
        f"/verify/{certificate.code}", headers={"Accept": "application/json"}
    ).get_json()
    assert (as_json["status"], as_json["holder"], as_json["pdf_sha256"]) == (
        "valid",
        "Maya Chen",
        certificate.pdf_sha256,
    )
    genuine = public.post(
        f"/verify/{certificate.code}", data={"pdf": (io.BytesIO(certificate.pdf), "cert.pdf")}
    )
    assert "unaltered file that was issued" in genuine.get_data(as_text=True)
    forged = bytearray(certificate.pdf)
    forged[len(forged) // 2] ^= 0x01  # one bit changed anywhere is enough
    forged = bytes(forged)
    altered = public.post(
        f"/verify/{certificate.code}", data={"pdf": (io.BytesIO(forged), "cert.pdf")}
    )
    assert "has been altered" in altered.get_data(as_text=True)
    director = app.test_client()
    lms.launch(director, DIRECTOR)
    token = csrf_token(director.get("/certification/dashboard"))
    director.post(
        f"/certification/certificates/{certificate.id}/standing",
        data={
            "csrf_token": token,
            "move": "revoke",
            "confirmed": "yes",
            "reason": "Issued in error: sign-off was for another person",
        },
    )
    revoked = public.get(f"/verify/{certificate.code}").get_data(as_text=True)
    assert "Revoked" in revoked
    assert "Issued in error: sign-off was for another person" in revoked
    unknown = public.get(
        "/verify/7K3Q-9XMD-2RPA-W4HN-" + ("T" if certificate.code[-1] != "T" else "V")
    )
    assert unknown.status_code == 404
    malformed = public.get("/verify/hello", headers={"Accept": "application/json"})
    assert malformed.status_code == 404
    assert "not a valid certificate code" in malformed.get_json()["message"]
    audit = director.get("/certification/audit?format=csv").get_data(as_text=True)
    assert "certificate revoked" in audit
    assert "Issued in error" in audit


def test_expired_certificates_say_so(app, lms):
    _everything(app, lms)
    _sign_off(app, lms)
    certificate = _certificate(app)
    with app.app_context():
        stored = db.session.get_one(Certificate, certificate.id)
        stored.expires_on = stored.issued_on.replace(year=stored.issued_on.year - 1)
        db.session.commit()
    assert (
        app.test_client()
        .get(f"/verify/{certificate.code}", headers={"Accept": "application/json"})
        .get_json()["status"]
        == "expired"
    )


def test_lookups_are_rate_limited(app):
    client = app.test_client()
    statuses = [client.get("/verify/AAAA-AAAA-AAAA-AAAA-A").status_code for _ in range(31)]
    assert statuses[:30] == [404] * 30
    assert statuses[30] == 429


def test_director_approval_mode_waits_for_the_director(app, lms):
    _everything(app, lms)
    with app.app_context():
        cohort = db.session.scalars(select(Cohort)).one()
        db.session.add(
            CertificationPolicy(
                organisation_id=cohort.organisation_id,
                approval="director",
                signatory_name="Omar Haddad",
                signatory_title="Director of IMR Programs",
            )
        )
        db.session.commit()
    _sign_off(app, lms)
    waiting = _certificate(app)
    assert waiting.awaiting_approval
    assert app.test_client().get(f"/verify/{waiting.code}").status_code == 404
    with app.app_context():  # it waited 45 days for the director
        queued = db.session.get_one(Certificate, waiting.id)
        queued.issued_on -= timedelta(days=45)
        queued.expires_on -= timedelta(days=45)
        db.session.commit()
    director = app.test_client()
    lms.launch(director, DIRECTOR)
    dashboard = director.get("/certification/dashboard")
    assert "awaiting approval" in dashboard.get_data(as_text=True)
    director.post(
        f"/certification/certificates/{waiting.id}/approve",
        data={"csrf_token": csrf_token(dashboard)},
    )
    table = dashboard.get_data(as_text=True).split('id="programs-caption"', 1)[1]
    table = table.split("</table>", 1)[0]
    assert ">Awaiting approval</th>" in table, "every status has its column"
    cells = re.findall(r"<td>(\d+)</td>", table.split("<tbody>", 1)[1].split("</tr>", 1)[0])
    assert int(cells[-1]) == sum(map(int, cells[:-1])) == 1, "the row adds up to its people"
    issued = _certificate(app)
    assert not issued.awaiting_approval
    assert "Omar Haddad" in PdfReader(io.BytesIO(issued.pdf)).pages[0].extract_text()
    today = utc_now().date()
    assert (issued.issued_on, issued.expires_on) == (today, add_months(today, 24)), (
        "valid for the policy's 24 months from the day it is issued"
    )


def _count_dashboard_queries(app: Flask, director) -> int:
    with app.app_context():
        engine = db.engine
    statements = []

    def count(*args: object) -> None:
        statements.append(args[2])

    event.listen(engine, "before_cursor_execute", count)
    try:
        assert director.get("/certification/dashboard").status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return len(statements)


def _add_practitioners(app: Flask, how_many: int, start: int) -> None:
    with app.app_context():
        cohort = db.session.scalars(select(Cohort)).one()
        platform_id = db.session.scalars(select(Person)).first().platform_id
        people = [
            Person(
                platform_id=platform_id,
                subject=f"bulk-{start + i}",
                name=f"Practitioner {start + i:05d}",
            )
            for i in range(how_many)
        ]
        db.session.add_all(people)
        db.session.flush()
        db.session.add_all(
            Enrolment(person_id=p.id, cohort_id=cohort.id, role="practitioner") for p in people
        )
        db.session.commit()


@pytest.mark.parametrize("sizes", [(10, 1000)])
def test_the_dashboard_query_count_does_not_grow_with_practitioners(app, lms, sizes):
    director = app.test_client()
    lms.launch(director, DIRECTOR)
    _add_practitioners(app, sizes[0], 0)
    small = _count_dashboard_queries(app, director)
    _add_practitioners(app, sizes[1] - sizes[0], sizes[0])
    large = _count_dashboard_queries(app, director)
    assert large == small
    assert "Practitioner 00999" in director.get("/certification/dashboard?q=00999").get_data(
        as_text=True
    )


@pytest.mark.parametrize("typed", ["Élodie Øberg", "élodie øberg", "ÉLODIE"])
def test_the_dashboard_finds_a_name_with_accented_capitals_however_it_is_typed(app, lms, typed):
    """SQLite's own lower() changes ASCII letters only: on the embedded database a director
    could not find Élodie Øberg even by typing her name exactly as it is spelt."""
    director = app.test_client()
    lms.launch(director, DIRECTOR)
    with app.app_context():
        cohort = db.session.scalars(select(Cohort)).one()
        person = Person(
            platform_id=cohort.organisation.platform_id, subject="eo", name="Élodie Øberg"
        )
        db.session.add(person)
        db.session.flush()
        db.session.add(Enrolment(person_id=person.id, cohort_id=cohort.id, role="practitioner"))
        db.session.commit()
    page = director.get("/certification/dashboard", query_string={"q": typed})
    assert "Élodie Øberg" in page.get_data(as_text=True)


def test_verification_json_is_plain_data(app, lms):
    _everything(app, lms)
    _sign_off(app, lms)
    certificate = _certificate(app)
    body = (
        app.test_client()
        .get(f"/verify/{certificate.code}", headers={"Accept": "application/json"})
        .get_data(as_text=True)
    )
    data = json.loads(body)
    assert set(data) >= {
        "status",
        "holder",
        "credential",
        "issued_by",
        "issued_on",
        "expires_on",
        "evidence",
        "pdf_sha256",
    }
    assert data["evidence"]["consultation_sessions"] == 12


def test_the_director_sets_requirements_and_bad_values_are_explained(app, lms):
    director = app.test_client()
    lms.launch(director, DIRECTOR)
    token = csrf_token(director.get("/certification/policy"))
    form = {
        "csrf_token": token,
        "consultation_sessions": "10",
        "consultation_rate": "70",
        "renewal_sessions": "4",
        "approval": "automatic",
        "validity_months": "36",
        "signatory_name": "Omar Haddad",
        "signatory_title": "Director of IMR Programs",
        "signoffs_needed": "1",
        "signoff_rule": "latest",
    }
    bad = director.post("/certification/policy", data={**form, "consultation_rate": "150"})
    assert bad.status_code == 400
    assert "From 0 to 100%." in bad.get_data(as_text=True)
    tabbed = director.post("/certification/policy", data={**form, "signatory_title": "Director\t"})
    assert tabbed.status_code == 400, "a tab would be printed on every certificate"
    assert "The signatory&#39;s title must be on one line" in tabbed.get_data(as_text=True)
    for invisible, words in [
        ("\u200b", "The signatory&#39;s name must have letters or numbers, not only blanks"),
        ("Omar \u202edaddaH", "change the direction text reads in"),
    ]:
        refused = director.post("/certification/policy", data={**form, "signatory_name": invisible})
        assert refused.status_code == 400, "a blank or reversed signatory on every certificate"
        assert words in refused.get_data(as_text=True)
    assert director.post("/certification/policy", data=form).status_code == 302
    with app.app_context():
        policy = db.session.scalars(select(CertificationPolicy)).one()
        assert (policy.consultation_sessions, policy.require_signoff, policy.validity_months) == (
            10,
            False,
            36,
        )
        assert (
            db.session.scalar(
                select(func.count())
                .select_from(AuditEntry)
                .filter_by(action="certification policy changed")
            )
            == 1
        )


def test_the_requirements_form_shows_what_it_accepts_and_saves_unchanged(app, lms):
    director = app.test_client()
    lms.launch(director, DIRECTOR)
    page = director.get("/certification/policy").get_data(as_text=True)
    fields = form_fields(page)
    assert fields["reminder_days"] == "60, 30, 7"
    assert fields["signatory_name"] == DIRECTOR.name  # the director who opens it, to start with
    assert (fields["signoffs_needed"], fields["signoff_rule"]) == ("2", "latest")
    assert director.post("/certification/policy", data=fields).status_code == 302
    saved = form_fields(director.get("/certification/policy").get_data(as_text=True))
    assert saved == {**fields, "csrf_token": saved["csrf_token"]}
    assert "Agrees a weekly action plan" in page  # what the rubric requires is shown too


def _certified(app, lms, page: str = "/certification/dashboard"):
    """Maya certified, and a director signed in: the certificate, the director and a CSRF token."""
    _everything(app, lms)
    _sign_off(app, lms)
    certificate = _certificate(app)
    director = app.test_client()
    lms.launch(director, DIRECTOR)
    return certificate, director, csrf_token(director.get(page))


def test_a_director_verifies_a_roster_and_exports_hours(app, lms):
    certificate, director, token = _certified(app, lms, "/certification/verify-roster")
    roster = f"name,code\nMaya,{certificate.code.lower()}\nSomeone,NOT-A-CODE\nOther,7K3Q-9XMD-2RPA-W4HN-T\n".encode()
    checked = director.post(
        "/certification/verify-roster",
        data={"csrf_token": token, "format": "csv", "roster": (io.BytesIO(roster), "roster.csv")},
    )
    rows = list(csv.reader(io.StringIO(checked.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[1][:3] == [certificate.code.lower(), "valid", "Maya Chen"]
    assert rows[2][1] == "not a valid code"
    assert rows[3][1] in {"not found", "not a valid code"}
    empty = director.post(
        "/certification/verify-roster",
        data={"csrf_token": token, "roster": (io.BytesIO(b""), "roster.csv")},
    )
    assert empty.status_code == 400
    exported = list(
        csv.DictReader(
            io.StringIO(
                director.get("/certification/dashboard.csv").get_data(as_text=True).lstrip("\ufeff")
            )
        )
    )
    maya = next(row for row in exported if row["Practitioner"] == "Maya Chen")
    assert maya["Status"] == "certified"
    assert maya["Consultation hours"] == "12.00"
    assert float(maya["Training hours"]) == float(certificate.training_hours)


def test_corrections_replace_and_renewals_link_certificates(app, lms):
    first, director, token = _certified(app, lms)
    early = director.post(
        f"/certification/certificates/{first.id}/renew",
        data={"csrf_token": token},
        follow_redirects=True,
    )
    assert "Renewal opens two months before expiry" in early.get_data(as_text=True)
    director.post(
        f"/certification/certificates/{first.id}/correct",
        data={"csrf_token": token, "reason": "Name spelled wrongly"},
    )
    with app.app_context():
        old = db.session.get_one(Certificate, first.id)
        corrected = db.session.get_one(Certificate, old.replaced_by_id)
        corrected.issued_on = corrected.issued_on.replace(year=corrected.issued_on.year - 1)
        corrected.expires_on = corrected.issued_on.replace(
            year=corrected.issued_on.year + 1
        ) + timedelta(days=30)
        db.session.commit()
        corrected_code, corrected_id = corrected.code, corrected.id
    public = app.test_client()
    replaced = public.get(
        f"/verify/{first.code}", headers={"Accept": "application/json"}
    ).get_json()
    assert replaced["status"] == "replaced"
    assert replaced["lineage"] == [
        {"relation": "replaced by", "code": corrected_code, "status": "valid"}
    ]
    renewed_page = director.post(
        f"/certification/certificates/{corrected_id}/renew",
        data={"csrf_token": token},
        follow_redirects=True,
    )
    assert "Renewed: certificate" in renewed_page.get_data(as_text=True)
    renewal = public.get(
        f"/verify/{corrected_code}", headers={"Accept": "application/json"}
    ).get_json()
    [link] = [entry for entry in renewal["lineage"] if entry["relation"] == "renewed by"]
    latest = public.get(
        f"/verify/{link['code']}", headers={"Accept": "application/json"}
    ).get_json()
    assert latest["status"] == "valid"
    assert {"relation": "renews", "code": corrected_code, "status": "renewed"} in latest["lineage"]
    actions = director.get("/certification/audit?format=csv").get_data(as_text=True)
    assert "certificate corrected" in actions
    assert "certificate renewed" in actions


def test_a_replaced_certificate_refuses_a_standing_change_at_preview_and_at_confirmation(app, lms):
    first, director, token = _certified(app, lms)
    director.post(
        f"/certification/certificates/{first.id}/correct",
        data={"csrf_token": token, "reason": "Name spelled wrongly"},
    )
    for confirmed in ("", "yes"):
        refused = director.post(
            f"/certification/certificates/{first.id}/standing",
            data={
                "csrf_token": token,
                "move": "suspend",
                "reason": "Audit",
                "confirmed": confirmed,
            },
        )
        assert refused.status_code == 409, confirmed
        assert "act on its replacement" in refused.get_data(as_text=True)
    status = app.test_client().get(f"/verify/{first.code}", headers={"Accept": "application/json"})
    assert status.get_json()["status"] == "replaced"


def test_the_open_badge_verifies_with_the_issuers_key_and_is_revocable(app, lms):
    _everything(app, lms)
    _sign_off(app, lms)
    certificate = _certificate(app)
    public = app.test_client()
    token = public.get(f"/verify/{certificate.code}/badge.jwt")
    assert token.headers["Content-Type"] == "application/vc+jwt"
    header = jwt.get_unverified_header(token.get_data(as_text=True))
    unverified = jwt.decode(token.get_data(as_text=True), options={"verify_signature": False})
    issuer_url = unverified["iss"]
    jwks = public.get(issuer_url.removeprefix("http://localhost") + "/jwks").get_json()
    key = next(k for k in jwks["keys"] if k["kid"] == header["kid"])
    claims = jwt.decode(
        token.get_data(as_text=True), JWK(**key).export_to_pem(), algorithms=["RS256"]
    )
    vc = claims["vc"]
    assert vc["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert vc["credentialSubject"]["achievement"]["name"] == "IMR Practitioner"
    assert vc["credentialSubject"]["identifier"][0]["identityHash"] == "Maya Chen"
    assert vc["validFrom"].startswith(certificate.issued_on.isoformat())
    assert public.get(issuer_url.removeprefix("http://localhost")).get_json()["type"] == ["Profile"]
    status_url = vc["credentialStatus"]["id"].removeprefix("http://localhost")
    assert public.get(status_url).get_json()["revokedCredentials"] == []
    revoke(app, lms, certificate.id, "Fraud")
    revoked = public.get(status_url).get_json()["revokedCredentials"]
    assert revoked == [{"id": vc["id"], "revocationReason": "Fraud"}]


def test_a_director_downloads_selected_certificates_as_a_zip(app, lms):
    certificate, director, token = _certified(app, lms)
    response = director.post(
        "/certification/dashboard.zip",
        data={"csrf_token": token, "certificate": [str(certificate.id), "424242"]},
    )
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    assert archive.namelist() == [f"imr-certificate-{certificate.code[:19]}.pdf"]
    assert archive.read(archive.namelist()[0]) == certificate.pdf


def _renewable(app: Flask, certificate_id: int) -> None:
    """A year and more has passed: the certificate expires in a month, so renewal is open."""
    with app.app_context():
        certificate = db.session.get_one(Certificate, certificate_id)
        certificate.issued_on = date.today() - timedelta(days=400)
        certificate.expires_on = date.today() + timedelta(days=30)
        db.session.commit()


def _renewed(app: Flask, director, token: str, certificate_id: int) -> Certificate:
    """The director renews the certificate; its renewal, read in its own app context."""
    director.post(f"/certification/certificates/{certificate_id}/renew", data={"csrf_token": token})
    with app.app_context():
        renewal = db.session.scalars(select(Certificate).filter_by(renews_id=certificate_id)).one()
        db.session.expunge(renewal)
        return renewal


def _standing(director, token: str, certificate_id: int, move: str, reason: str = "Audit"):
    return director.post(
        f"/certification/certificates/{certificate_id}/standing",
        data={"csrf_token": token, "move": move, "reason": reason, "confirmed": "yes"},
    )


def _revoked_codes(public, organisation_id: int) -> dict[str, str]:
    """The revocation list's badges by certificate code, with the reason given for each."""
    listing = public.get(f"/verify/issuers/{organisation_id}/revocations").get_json()
    return {
        entry["id"].removesuffix("/badge.jwt").rsplit("/", 1)[1]: entry["revocationReason"]
        for entry in listing["revokedCredentials"]
    }


def _status(public, code: str) -> dict:
    return public.get(f"/verify/{code}", headers={"Accept": "application/json"}).get_json()


def _certificates(app: Flask) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Certificate))


def test_a_renewed_certificate_expires_for_no_one_and_reminds_no_one(app, lms):
    from app.services.reminders import reminders_for

    first, director, token = _certified(app, lms, "/director")
    _renewable(app, first.id)  # it expires in a month: the director's home counts it
    assert _expiring(director) == 1
    _renewed(app, director, token, first.id)
    assert _expiring(director) == 0, "renewed: the renewal is the certificate that counts"
    with app.app_context():
        assert [c.id for c, _ in reminders_for(first.person_id, first.organisation_id)] == []


def _expiring(director) -> int:
    """The count the director's home shows beside "expiring within … days"."""
    page = director.get("/director").get_data(as_text=True)
    found = re.search(r'queue-count">(\d+)</span> certificates? expiring', page)
    assert found, "the director's home shows its expiring count"
    return int(found.group(1))


def test_a_renewed_certificate_follows_its_renewal_and_revoking_the_renewal_withdraws_both(
    app, lms
):
    first, director, token = _certified(app, lms)
    _renewable(app, first.id)
    offered = director.get(f"/certification/certificates/{first.id}").get_data(as_text=True)
    assert f'action="/certification/certificates/{first.id}/correct"' in offered
    renewal = _renewed(app, director, token, first.id)
    renewal_page = director.get(f"/certification/certificates/{renewal.id}").get_data(as_text=True)
    assert f"{first.code}</a> (renewed)" in renewal_page, "the director reads what it is now"
    public = app.test_client()
    old = _status(public, first.code)
    assert old["status"] == "renewed", "the old code is no longer the current proof"
    assert {"relation": "renewed by", "code": renewal.code, "status": "valid"} in old["lineage"]
    assert _revoked_codes(public, first.organisation_id) == {}, "a renewal revokes nothing"

    refused = director.post(
        f"/certification/certificates/{first.id}/correct",
        data={"csrf_token": token, "reason": "Name spelled wrongly"},
        follow_redirects=True,
    )
    assert "A renewed certificate cannot be corrected: act on its renewal" in refused.get_data(
        as_text=True
    )
    for confirmed in ("", "yes"):  # refused at the preview, and at the confirmation
        suspended = director.post(
            f"/certification/certificates/{first.id}/standing",
            data={"csrf_token": token, "move": "suspend", "reason": "x", "confirmed": confirmed},
        )
        assert suspended.status_code == 409
        assert "act on its renewal" in suspended.get_data(as_text=True)
    page = director.get(f"/certification/certificates/{first.id}").get_data(as_text=True)
    for move in ("standing", "correct", "renew"):  # nothing offered: act on the renewal
        assert f'action="/certification/certificates/{first.id}/{move}"' not in page

    assert _standing(director, token, renewal.id, "suspend", "A complaint").status_code == 302
    assert _status(public, first.code)["lineage"][0]["status"] == "suspended"
    listed = _revoked_codes(public, first.organisation_id)
    assert set(listed) == {first.code, renewal.code}
    assert listed[first.code].startswith("A complaint")
    assert _standing(director, token, renewal.id, "reinstate").status_code == 302
    assert _revoked_codes(public, first.organisation_id) == {}, "reinstated: the line is good"

    assert _standing(director, token, renewal.id, "revoke", "Practice concerns").status_code == 302
    old = _status(public, first.code)
    assert old["status"] == "renewed"
    assert {"relation": "renewed by", "code": renewal.code, "status": "revoked"} in old["lineage"]
    listed = _revoked_codes(public, first.organisation_id)
    assert set(listed) == {first.code, renewal.code}
    assert "Practice concerns" in listed[first.code]
    before = _certificates(app)
    director.post(
        f"/certification/certificates/{first.id}/correct",
        data={"csrf_token": token, "reason": "typo"},
    )
    assert _certificates(app) == before, "no correction brings a valid certificate back"
    assert _status(public, first.code)["status"] == "renewed"


def test_a_revoked_correction_of_a_renewal_reaches_the_first_certificate_too(app, lms):
    first, director, token = _certified(app, lms)
    _renewable(app, first.id)
    renewal = _renewed(app, director, token, first.id)
    director.post(
        f"/certification/certificates/{renewal.id}/correct",
        data={"csrf_token": token, "reason": "Program name was wrong"},
    )
    with app.app_context():
        corrected = db.session.scalars(select(Certificate).filter_by(replaces_id=renewal.id)).one()
        corrected_id, corrected_code = corrected.id, corrected.code
    public = app.test_client()
    assert {"relation": "now continued by", "code": corrected_code, "status": "valid"} in (
        _status(public, first.code)["lineage"]
    )
    _standing(director, token, corrected_id, "revoke", "Practice concerns")
    assert {"relation": "now continued by", "code": corrected_code, "status": "revoked"} in (
        _status(public, first.code)["lineage"]
    )
    page = public.get(f"/verify/{first.code}").get_data(as_text=True)
    assert f'is now continued by <a href="/verify/{corrected_code}">' in page
    assert set(_revoked_codes(public, first.organisation_id)) == {
        first.code,
        renewal.code,  # replaced by the correction, listed as before
        corrected_code,
    }


@pytest.mark.parametrize(
    ("needed", "words"),
    [(1, "1 more consultation session since"), (2, "2 more consultation sessions since")],
)
def test_the_sessions_a_renewal_still_needs_are_counted_in_words(app, lms, needed, words):
    _everything(app, lms)
    _sign_off(app, lms)
    certificate = _certificate(app)
    with app.app_context():
        found = db.session.get_one(Certificate, certificate.id)
        found.expires_on = utc_now().date() + timedelta(days=10)
        db.session.merge(
            CertificationPolicy(organisation_id=found.organisation_id, renewal_sessions=needed)
        )
        db.session.flush()
        gap = renewal_gap(found) or ""
    assert words in gap
    assert gap.endswith("is needed to renew." if needed == 1 else "are needed to renew.")
