"""Fidelity reviews: drafts, submission, corrections, due dates, reports and tenancy."""

from __future__ import annotations

import csv
import io
import re
from datetime import date

import pytest
from flask import Flask
from pypdf import PdfReader
from sqlalchemy import select

from app.domain.fidelity import ReviewDateError
from app.extensions import db
from app.models.fidelity import FidelityReview
from app.models.tenancy import Program
from app.services import fidelity as service
from tests.support.content import content_of
from tests.support.lms import DIRECTOR, LocalLms, csrf_token


def _director(app: Flask, lms: LocalLms):
    client = app.test_client()
    lms.launch(client, DIRECTOR)
    token = csrf_token(client.get("/director"))
    client.post("/director/programs", data={"name": "Harbour House", "csrf_token": token})
    with app.app_context():
        program_id = db.session.scalars(select(Program)).one().id
    return client, token, program_id


def _form(app: Flask, token: str, rating: int, **extra: str) -> dict[str, str]:
    items = content_of(app).fidelity_scale.items
    data = {
        "csrf_token": token,
        "reviewed_on": "2026-06-01",
        "reviewers": "A. Reviewer and B. Reviewer",
        "sources": ["interviews", "records"],
        **extra,
    }
    data |= {f"rating-{item.id}": str(rating) for item in items}
    data |= {f"evidence-{item.id}": f"Seen in records for {item.title.lower()}" for item in items}
    return data


def test_a_never_reviewed_program_is_flagged(app, lms):
    client, _, _ = _director(app, lms)
    page = client.get("/fidelity/").get_data(as_text=True)
    assert "Harbour House</strong>: never reviewed" in page
    home = client.get("/director").get_data(as_text=True)
    assert 'queue-count">1</span> program due a fidelity review' in home


def test_draft_submit_read_only_correct_pdf_and_csv(app, lms):
    client, token, program_id = _director(app, lms)
    started = client.post(f"/fidelity/programs/{program_id}/reviews", data={"csrf_token": token})
    review_url = started.location
    incomplete = _form(app, token, 4)
    incomplete.pop("rating-goal-setting")
    refused = client.post(review_url, data={**incomplete, "action": "submit"})
    assert refused.status_code == 302, "kept as a draft, with what is missing said"
    page = client.get(review_url).get_data(as_text=True)
    assert "Draft saved, not submitted yet." in page
    assert "Rate “goal setting”".lower() in page.lower()
    with app.app_context():
        draft = db.session.scalars(select(FidelityReview)).one()
        assert draft.status == "draft"
        rated = {item.id for item in content_of(app).fidelity_scale.items} - {"goal-setting"}
        assert draft.ratings == {**dict.fromkeys(rated, 4), "goal-setting": None}
        assert len(draft.evidence) == len(rated) + 1, "the evidence typed is kept too"
    submitted = client.post(
        review_url, data={**_form(app, token, 3), "action": "submit"}, follow_redirects=True
    )
    assert "mean 3.00, Moderate fidelity" in submitted.get_data(as_text=True)
    locked = client.post(review_url, data={**_form(app, token, 5), "action": "save"})
    assert locked.status_code == 409
    review_id = int(review_url.rsplit("/", 1)[1])
    pdf = client.get(f"/fidelity/reviews/{review_id}.pdf")
    text = PdfReader(io.BytesIO(pdf.data)).pages[0].extract_text()
    assert "Mean score 3.00 of 5: Moderate fidelity" in text
    assert "Harbour House" in text
    correction = client.post(
        f"/fidelity/reviews/{review_id}/correct",
        data={"csrf_token": token, "reason": "Group size was misread"},
    )
    corrected_url = correction.location
    client.post(corrected_url, data={**_form(app, token, 4), "action": "submit"})
    with app.app_context():
        versions = {r.version: r for r in db.session.scalars(select(FidelityReview))}
        assert versions[1].corrected_by_id == versions[2].id
        assert (
            float(versions[2].mean),
            versions[2].classification,
            versions[2].correction_reason,
        ) == (4.0, "High fidelity", "Group size was misread")
    overview = client.get("/fidelity/").get_data(as_text=True)
    assert "4.00, High fidelity" in overview
    assert "1 December 2026" in overview, "the next review is six months after the last"
    rows = list(
        csv.DictReader(
            io.StringIO(client.get("/fidelity/reviews.csv").get_data(as_text=True).lstrip("\ufeff"))
        )
    )
    assert [(r["Version"], r["Status"], r["Mean"]) for r in rows] == [
        ("1", "corrected", "3.00"),
        ("2", "submitted", "4.00"),
    ]


def test_the_review_form_says_who_counts_for_each_item(app, lms):
    client, token, program_id = _director(app, lms)
    url = client.post(
        f"/fidelity/programs/{program_id}/reviews", data={"csrf_token": token}
    ).location
    page = client.get(url).get_data(as_text=True)
    assert 'aria-describedby="criterion-goal-follow-up"' in page
    follow_up = re.search(r'<p class="hint" id="criterion-goal-follow-up">([^<]*)</p>', page)
    assert follow_up, "the criterion sits in the goal follow-up fieldset"
    assert follow_up.group(1).startswith("Count people, not sessions")
    assert "any group larger than 8 scores lower" in page
    assert "chose to share it with no one counts too" in page
    assert "5: Individual sessions only, or groups of 8 or fewer" in page


def test_items_that_stay_low_link_to_training(app, lms):
    client, token, program_id = _director(app, lms)
    for day in ("2025-12-01", "2026-06-01"):
        url = client.post(
            f"/fidelity/programs/{program_id}/reviews", data={"csrf_token": token}
        ).location
        form = _form(app, token, 4, reviewed_on=day)
        form["rating-behavioural-tailoring"] = "2"
        client.post(url, data={**form, "action": "submit"})
    page = client.get(f"/fidelity/programs/{program_id}").get_data(as_text=True)
    assert "Items that stay low" in page
    assert "/training/module/teaching-medication" in page
    assert "<svg" in page


def test_another_organisation_cannot_see_or_touch_reviews(app, lms, httpserver):
    client, token, program_id = _director(app, lms)
    url = client.post(
        f"/fidelity/programs/{program_id}/reviews", data={"csrf_token": token}
    ).location
    other_lms = LocalLms.start(httpserver, issuer_path="/other", client_id="other-client")
    with app.app_context():
        other_lms.register("Hillcrest Recovery Services")
    other = app.test_client()
    other_lms.launch(other, DIRECTOR)
    assert other.get(url).status_code == 404
    assert other.get(f"/fidelity/programs/{program_id}").status_code == 404
    assert "Harbour House" not in other.get("/fidelity/").get_data(as_text=True)


def test_a_review_dated_beyond_the_calendar_is_refused_and_pages_still_answer(app, lms):
    """9999-12-31 once saved made the director's pages fail for good (no date six months on)."""
    client, token, program_id = _director(app, lms)
    url = client.post(
        f"/fidelity/programs/{program_id}/reviews", data={"csrf_token": token}
    ).location
    review_id = int(url.rsplit("/", 1)[1])
    with app.app_context():
        before = db.session.get_one(FidelityReview, review_id).reviewed_on
    refused = client.post(
        f"/fidelity/reviews/{review_id}",
        data={**_form(app, token, 4, reviewed_on="9999-12-31"), "action": "submit"},
    )
    assert refused.status_code == 400
    assert (
        "Give the date of the review: today or earlier, and not before 1 January 2000."
        in refused.get_data(as_text=True)
    )
    with app.app_context():
        kept = db.session.get_one(FidelityReview, review_id)
        assert (kept.reviewed_on, kept.status) == (before, "draft")
    assert client.get("/director").status_code == 200
    assert client.get("/fidelity/").status_code == 200


@pytest.mark.parametrize("day", ["1999-12-31", "2999-01-01", "not a date", ""])
def test_an_implausible_or_missing_review_date_is_a_form_error(app, lms, day):
    client, token, program_id = _director(app, lms)
    url = client.post(
        f"/fidelity/programs/{program_id}/reviews", data={"csrf_token": token}
    ).location
    typed = _form(app, token, 4, reviewed_on=day, reviewers="C. Okafor and D. Lindqvist")
    refused = client.post(url, data={**typed, "action": "save"})
    assert refused.status_code == 400
    page = refused.get_data(as_text=True)
    assert "today or earlier, and not before 1 January 2000" in page
    # Everything else the director typed is still in the form, to fix the date and save again.
    first = content_of(app).fidelity_scale.items[0]
    assert 'value="C. Okafor and D. Lindqvist"' in page
    assert f"Seen in records for {first.title.lower()}</textarea>" in page
    assert re.search(rf'id="rating-{first.id}-4"[^>]*checked', page)
    assert re.search(r'id="source-\d+" name="sources" value="interviews"\s*checked', page)


def test_a_review_already_stored_at_the_calendar_end_does_not_break_the_pages(app, lms):
    """A row saved before dates were checked: the pages answer and the program needs a review."""
    client, token, program_id = _director(app, lms)
    url = client.post(
        f"/fidelity/programs/{program_id}/reviews", data={"csrf_token": token}
    ).location
    client.post(url, data={**_form(app, token, 4), "action": "submit"})
    with app.app_context():
        review = db.session.scalars(select(FidelityReview)).one()
        review.reviewed_on = date(9999, 12, 31)
        db.session.commit()
    assert client.get("/director").status_code == 200
    overview = client.get("/fidelity/")
    assert overview.status_code == 200
    assert "Harbour House</strong>: due within 30 days" in overview.get_data(as_text=True)
    correction = client.post(
        f"{url}/correct", data={"csrf_token": token, "reason": "Date typed wrongly"}
    )
    assert client.get(correction.location).status_code == 200
    copied = _form(app, token, 4, reviewed_on="9999-12-31")
    assert client.post(correction.location, data={**copied, "action": "submit"}).status_code == 400
    with app.app_context():
        draft = db.session.get_one(FidelityReview, int(correction.location.rsplit("/", 1)[1]))
        draft.reviewers = "A. Reviewer and B. Reviewer"
        with pytest.raises(ReviewDateError):
            service.submit(draft, content_of(app).fidelity_scale, draft.created_by_id)
        db.session.rollback()
    fixed = client.post(correction.location, data={**_form(app, token, 4), "action": "submit"})
    assert fixed.status_code == 302
    assert "1 December 2026" in client.get("/fidelity/").get_data(as_text=True), "due from the fix"
