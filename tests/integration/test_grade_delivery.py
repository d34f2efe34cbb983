"""Grades to the LMS over LTI Assignment and Grade Services, against a stub that checks the spec.

The stub plays the LMS's token, line item and score endpoints and asserts every request is
exactly what AGS 2.0 and the 1EdTech Security Framework define: the signed client assertion,
the media types, the line item and the score payloads.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import jwt
import pytest
from flask import Flask
from jwcrypto.jwk import JWK
from pytest_httpserver import HTTPServer
from sqlalchemy import func, select
from werkzeug import Request, Response

from app.domain.quizzes import GradingMethod
from app.extensions import db
from app.lti import keys
from app.models.quizzes import GradeDelivery
from tests.support.content import content_of
from tests.support.lms import PRACTITIONER, TRAINER, LocalLms, csrf_token
from tests.support.quizzes import sample_bank, start, stored, submit_attempt

AGS = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
SCOPES = [
    "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem",
    "https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly",
    "https://purl.imsglobal.org/spec/lti-ags/scope/score",
]
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "quizzes"
OWN_LIST = object()  # the stub lists its own line items
# Pages the stub serves with a next link before it stops linking: far past any page cap, so a
# tool without a loop guard ends (and fails its test) instead of hanging the suite.
STUB_PAGE_LIMIT = 300


@dataclass
class StubGradebook:
    """The LMS side of AGS: one course's line items and the scores posted to them."""

    server: HTTPServer
    app: Flask
    failures_left: int = 0
    lineitems: list[dict] = field(default_factory=list)
    scores: list[dict] = field(default_factory=list)
    tokens_issued: int = 0
    login_visits: int = 0
    # What the LMS answers instead of its own line items: the listing's body, a next-page link,
    # the created line item's id, and a 2xx score answer with an HTML body.
    listing: Any = OWN_LIST
    next_link: str | None = None
    pages_served: int = 0
    created_id: Any = None
    score_answers_html: bool = False
    score_redirect: int | None = None  # the score is answered with this redirect to a login page

    def url(self, path: str) -> str:
        return self.server.url_for(f"/lms{path}")

    def install(self) -> None:
        self.server.expect_request("/lms/token", method="POST").respond_with_handler(self.token)
        self.server.expect_request("/lms/lineitems", method="GET").respond_with_handler(
            self.list_lineitems
        )
        self.server.expect_request("/lms/lineitems", method="POST").respond_with_handler(
            self.create_lineitem
        )
        self.server.expect_request("/lms/lineitems/1/scores", method="POST").respond_with_handler(
            self.score
        )
        self.server.expect_request("/lms/login").respond_with_handler(self.login_page)

    def token(self, request: Request) -> Response:
        form = request.form
        assert form["grant_type"] == "client_credentials"
        assert (
            form["client_assertion_type"]
            == "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
        )
        assert set(form["scope"].split()) == set(SCOPES)
        with self.app.app_context():
            published = keys.published_jwks()["keys"]
        header = jwt.get_unverified_header(form["client_assertion"])
        public = JWK(**next(k for k in published if k["kid"] == header["kid"])).export_to_pem()
        claims = jwt.decode(
            form["client_assertion"], public, algorithms=["RS256"], audience=self.url("/token")
        )
        assert claims["iss"] == claims["sub"] == "tool-client-1"
        self.tokens_issued += 1
        return Response(
            json.dumps(
                {
                    "access_token": f"token-{self.tokens_issued}",
                    "token_type": "bearer",
                    "expires_in": 3600,
                    "scope": form["scope"],
                }
            ),
            content_type="application/json",
        )

    def _authorised(self, request: Request) -> None:
        assert request.headers["Authorization"].startswith("Bearer token-")

    def list_lineitems(self, request: Request) -> Response:
        self._authorised(request)
        assert request.headers["Accept"] == "application/vnd.ims.lis.v2.lineitemcontainer+json"
        self.pages_served += 1
        linked = self.next_link is not None and self.pages_served <= STUB_PAGE_LIMIT
        return Response(
            json.dumps(self.lineitems if self.listing is OWN_LIST else self.listing),
            content_type="application/vnd.ims.lis.v2.lineitemcontainer+json",
            headers={"Link": f'<{self.next_link}>; rel="next"'} if linked else {},
        )

    def create_lineitem(self, request: Request) -> Response:
        self._authorised(request)
        assert request.headers["Content-Type"] == "application/vnd.ims.lis.v2.lineitem+json"
        body = json.loads(request.data)
        assert body == {
            "scoreMaximum": 100,
            "label": "Sample quiz",
            "resourceId": "imr-quiz-sample",
            "tag": "imr-academy",
        }
        item = {**body, "id": self.created_id or self.url("/lineitems/1")}
        self.lineitems.append(item)
        return Response(
            json.dumps(item), status=201, content_type="application/vnd.ims.lis.v2.lineitem+json"
        )

    def login_page(self, request: Request) -> Response:
        """Where an LMS behind a single sign-on sends what it will not take: a 200 page."""
        self.login_visits += 1
        return Response("<html><body>Please sign in</body></html>", content_type="text/html")

    def score(self, request: Request) -> Response:
        self._authorised(request)
        assert request.headers["Content-Type"] == "application/vnd.ims.lis.v1.score+json"
        if self.score_redirect:
            return Response(status=self.score_redirect, headers={"Location": self.url("/login")})
        if self.failures_left:
            self.failures_left -= 1
            return Response("LMS temporarily unavailable", status=500)
        body = json.loads(request.data)
        assert set(body) == {
            "userId",
            "scoreGiven",
            "scoreMaximum",
            "activityProgress",
            "gradingProgress",
            "timestamp",
        }
        assert (body["activityProgress"], body["gradingProgress"]) == ("Completed", "FullyGraded")
        assert datetime.fromisoformat(body["timestamp"]).tzinfo is not None
        self.scores.append(body)
        if self.score_answers_html:
            return Response("<html><body>Grade saved</body></html>", content_type="text/html")
        return Response(status=204)


@pytest.fixture
def gradebook(app: Flask, lms: LocalLms, httpserver: HTTPServer) -> Iterator[StubGradebook]:
    stub = StubGradebook(httpserver, app)
    stub.install()
    with sample_bank(app):
        yield stub


def _ags_launch(app: Flask, lms: LocalLms, stub: StubGradebook, user=PRACTITIONER):
    client = app.test_client()
    claims = {AGS: {"scope": SCOPES, "lineitems": stub.url("/lineitems")}}
    assert lms.launch(client, user, claims=claims).status_code == 302
    return client, csrf_token(client.get("/practitioner"))


def _post_submission(app: Flask, client, token: str, right: bool = True):
    """Submit an attempt; the response is returned unclosed, so the grade is not sent yet."""
    attempt = start(app, client, token)
    response = submit_attempt(client, attempt, token, right)
    return attempt.id, response


def _submit(app: Flask, client, token: str, right: bool = True) -> int:
    """Submit an attempt and let the response finish, as a browser's connection does."""
    attempt_id, response = _post_submission(app, client, token, right)
    response.close()  # the embedded default sends the grade once the response has gone
    return attempt_id


def _delivery(app: Flask, attempt_id: int) -> GradeDelivery:
    with app.app_context():
        delivery = db.session.scalars(select(GradeDelivery).filter_by(attempt_id=attempt_id)).one()
        db.session.expunge(delivery)
        return delivery


def test_a_grade_reaches_the_gradebook_after_the_lms_fails_once(app, lms, gradebook):
    gradebook.failures_left = 1
    client, token = _ags_launch(app, lms, gradebook)
    attempt_id = _submit(app, client, token)
    delivery = _delivery(app, attempt_id)
    assert (delivery.status, delivery.tries) == ("delivered", 2)
    [score] = gradebook.scores
    assert score["userId"] == PRACTITIONER.sub
    assert (score["scoreGiven"], score["scoreMaximum"]) == (100.0, 100)
    assert len(gradebook.lineitems) == 1, (
        "the quiz's column is created once, then found by resource id"
    )
    assert gradebook.tokens_issued == 1, "the access token is reused until it expires"


def test_a_second_attempt_reuses_the_quizs_gradebook_column(app, lms, gradebook):
    client, token = _ags_launch(app, lms, gradebook)
    _submit(app, client, token, right=False)
    _submit(app, client, token, right=True)
    assert len(gradebook.lineitems) == 1
    assert [s["scoreGiven"] for s in gradebook.scores] == [0.0, 100.0]


def test_when_the_lms_stays_down_nothing_is_lost_and_sync_grades_resends(
    app, lms, gradebook, runner
):
    gradebook.failures_left = 99
    client, token = _ags_launch(app, lms, gradebook)
    attempt_id = _submit(app, client, token)
    assert stored(app, attempt_id).percent == 100, (
        "the grade is stored locally whatever the LMS does"
    )
    failed = _delivery(app, attempt_id)
    assert failed.status == "failed"
    assert failed.last_error == "the LMS answered HTTP 500 (LMS temporarily unavailable)"
    trainer = app.test_client()
    lms.launch(trainer, TRAINER)
    page = trainer.get(f"/quizzes/results/{stored(app, attempt_id).person_id}").get_data(
        as_text=True
    )
    assert "failed" in page
    assert "the LMS answered HTTP 500" in page
    gradebook.failures_left = 0
    result = runner.invoke(args=["lti", "sync-grades"])
    assert result.exit_code == 0
    assert "delivered" in result.output
    assert _delivery(app, attempt_id).status == "delivered"
    assert len(gradebook.scores) == 1
    assert "Every grade has been delivered." in runner.invoke(args=["lti", "sync-grades"]).output


def test_the_submission_answers_before_the_lms_is_called(app, lms, gradebook):
    client, token = _ags_launch(app, lms, gradebook)
    attempt_id, response = _post_submission(app, client, token)
    assert response.status_code == 302  # the practitioner already has their answer
    assert gradebook.scores == []
    assert _delivery(app, attempt_id).status == "pending"
    assert client.get(response.location).status_code == 200  # the result shows meanwhile
    response.close()
    assert _delivery(app, attempt_id).status == "delivered"
    assert len(gradebook.scores) == 1


def test_without_grade_services_the_attempt_has_no_delivery(app, lms, gradebook):
    client = app.test_client()
    lms.launch(client, PRACTITIONER)
    token = csrf_token(client.get("/practitioner"))
    attempt_id = _submit(app, client, token)
    with app.app_context():
        assert (
            db.session.scalar(
                select(func.count()).select_from(GradeDelivery).filter_by(attempt_id=attempt_id)
            )
            == 0
        )
    assert gradebook.scores == []


def _shown_grade(client) -> float:
    """The grade the practitioner's quizzes page shows for the fixture quiz."""
    page = client.get("/quizzes/").get_data(as_text=True)
    row = re.search(r"Sample quiz</th>(.*?)</tr>", page, re.DOTALL)
    assert row, page
    shown = re.search(r">([\d.]+)%</a>", row.group(1))
    assert shown, row.group(1)
    return float(shown.group(1))


def _trainers_grade(app: Flask, lms: LocalLms) -> float:
    trainer = app.test_client()
    lms.launch(trainer, TRAINER)
    page = trainer.get("/quizzes/results").get_data(as_text=True)
    shown = re.search(r'href="/quizzes/review/\d+">([\d.]+)%</a>', page)
    assert shown, page
    return float(shown.group(1))


def _graded_by(app: Flask, method: GradingMethod) -> None:
    """The fixture quiz graded by this method, with three attempts, for the rest of the test."""
    bank = content_of(app).quizzes["sample"]
    changed = replace(bank, grading=method, attempts_allowed=3)
    app.extensions["imr_content"] = content_of(app).with_quiz(changed)


@pytest.mark.parametrize(
    ("method", "expected"), [(GradingMethod.HIGHEST, 100.0), (GradingMethod.LAST, 0.0)]
)
def test_the_gradebook_keeps_the_grade_the_product_shows(app, lms, gradebook, method, expected):
    _graded_by(app, method)
    client, token = _ags_launch(app, lms, gradebook)
    for right in (False, True, False):
        _submit(app, client, token, right=right)
    assert _shown_grade(client) == expected
    assert gradebook.scores[-1]["scoreGiven"] == expected
    assert _trainers_grade(app, lms) == expected
    sent = [s["scoreGiven"] for s in gradebook.scores]
    assert sent == ([0.0, 100.0, 100.0] if method is GradingMethod.HIGHEST else [0.0, 100.0, 0.0])


@pytest.mark.parametrize(
    ("method", "expected"), [(GradingMethod.HIGHEST, 100.0), (GradingMethod.LAST, 0.0)]
)
def test_resending_older_attempts_sends_the_same_grade_and_time(
    app, lms, gradebook, runner, method, expected
):
    _graded_by(app, method)
    gradebook.failures_left = 99
    client, token = _ags_launch(app, lms, gradebook)
    attempts = [_submit(app, client, token, right=right) for right in (False, True, False)]
    assert gradebook.scores == []
    assert all(_delivery(app, a).status == "failed" for a in attempts)
    gradebook.failures_left = 0
    assert runner.invoke(args=["lti", "sync-grades"]).exit_code == 0
    assert [s["scoreGiven"] for s in gradebook.scores] == [expected] * 3
    latest = stored(app, attempts[-1]).submitted_at
    assert latest is not None
    assert {
        datetime.fromisoformat(s["timestamp"]).replace(tzinfo=None) for s in gradebook.scores
    } == {latest.replace(tzinfo=None)}
    assert _shown_grade(client) == expected


def _column(stub: StubGradebook, **changes: Any) -> dict:
    """The quiz's line item as the LMS lists it, with these changes."""
    item = {
        "id": stub.url("/lineitems/1"),
        "resourceId": "imr-quiz-sample",
        "tag": "imr-academy",
        "label": "Sample quiz",
        "scoreMaximum": 100,
    }
    return {**item, **changes}


def _refused(app: Flask, attempt_id: int) -> GradeDelivery:
    """A delivery the LMS's answer stopped: failed after retries, with a short plain reason."""
    delivery = _delivery(app, attempt_id)
    assert delivery.status == "failed"
    assert delivery.tries > 1, "a refusal is retried with backoff"
    assert delivery.last_error
    assert len(delivery.last_error) <= 120
    assert "Error" not in delivery.last_error
    assert "token-" not in delivery.last_error
    return delivery


@pytest.mark.parametrize(
    "junk", [["a", 5, None, [], True], [None, "x"]], ids=["not-objects", "null-and-string"]
)
def test_listing_entries_that_are_not_objects_are_passed_over(app, lms, gradebook, junk):
    gradebook.listing = junk
    client, token = _ags_launch(app, lms, gradebook)
    attempt_id = _submit(app, client, token)
    assert _delivery(app, attempt_id).status == "delivered"
    assert len(gradebook.lineitems) == 1, "no column was listed, so the quiz's column is made"
    assert len(gradebook.scores) == 1


def test_a_null_entry_before_the_quizs_column_does_not_hide_it(app, lms, gradebook):
    gradebook.listing = [None, _column(gradebook)]
    client, token = _ags_launch(app, lms, gradebook)
    attempt_id = _submit(app, client, token)
    assert _delivery(app, attempt_id).status == "delivered"
    assert gradebook.lineitems == [], "the listed column is used, not a new one"
    assert len(gradebook.scores) == 1


@pytest.mark.parametrize(
    "bad_id",
    ["missing", 12, ["x"], "", "/lms/lineitems/1", "javascript:alert(1)"],
    ids=["missing", "int", "list", "empty", "relative", "javascript"],
)
def test_the_quizs_column_without_a_usable_id_is_refused(app, lms, gradebook, bad_id):
    column = _column(gradebook, id=bad_id)
    if bad_id == "missing":
        del column["id"]
    gradebook.listing = [column]
    client, token = _ags_launch(app, lms, gradebook)
    attempt_id = _submit(app, client, token)
    assert "gradebook column" in _refused(app, attempt_id).last_error
    assert gradebook.scores == []
    assert gradebook.lineitems == [], "no second column is made beside the listed one"


def test_a_created_column_without_a_usable_id_is_refused(app, lms, gradebook):
    gradebook.created_id = 7
    client, token = _ags_launch(app, lms, gradebook)
    attempt_id = _submit(app, client, token)
    assert "gradebook column" in _refused(app, attempt_id).last_error
    assert gradebook.scores == []


@pytest.mark.parametrize("loop", ["self", "two-pages"])
def test_line_item_paging_that_loops_ends_in_a_refusal(app, lms, gradebook, loop):
    gradebook.listing = []
    gradebook.next_link = gradebook.url("/lineitems") + ("?page=2" if loop == "two-pages" else "")
    if loop == "two-pages":  # page 2 links back to page 1
        gradebook.server.expect_request(
            "/lms/lineitems", method="GET", query_string="page=2"
        ).respond_with_handler(
            lambda request: Response(
                "[]",
                content_type="application/vnd.ims.lis.v2.lineitemcontainer+json",
                headers={"Link": f'<{gradebook.url("/lineitems")}>; rel="next"'},
            )
        )
    client, token = _ags_launch(app, lms, gradebook)
    attempt_id = _submit(app, client, token)
    delivery = _refused(app, attempt_id)
    assert "loop" in delivery.last_error
    assert gradebook.pages_served <= 2 * delivery.tries, "each try reads each page once"
    assert gradebook.scores == []
    assert gradebook.lineitems == []


@pytest.fixture
def other_host() -> Iterator[HTTPServer]:
    """Another site, which takes anything: it must never hear from the tool."""
    server = HTTPServer(host="127.0.0.1", port=0)
    server.expect_request(re.compile(".*")).respond_with_response(Response(status=204))
    server.start()
    yield server
    server.clear()
    if server.is_running():
        server.stop()


def test_a_column_on_another_host_gets_no_score_and_no_token(app, lms, gradebook, other_host):
    elsewhere = other_host.url_for("/stolen/lineitems/1")
    gradebook.listing = [_column(gradebook, id=elsewhere)]
    client, token = _ags_launch(app, lms, gradebook)
    attempt_id = _submit(app, client, token)
    assert "gradebook column" in _refused(app, attempt_id).last_error
    assert other_host.log == [], "the other host received a request"
    assert gradebook.scores == []


def test_a_next_page_on_another_host_is_not_followed(app, lms, gradebook, other_host):
    gradebook.listing = []
    gradebook.next_link = other_host.url_for("/stolen/lineitems")
    client, token = _ags_launch(app, lms, gradebook)
    attempt_id = _submit(app, client, token)
    assert "another site" in _refused(app, attempt_id).last_error
    assert other_host.log == [], "the other host received a request"
    assert gradebook.scores == []


def test_a_2xx_score_answer_with_an_html_body_is_delivered(app, lms, gradebook):
    gradebook.score_answers_html = True
    client, token = _ags_launch(app, lms, gradebook)
    attempt_id = _submit(app, client, token)
    delivery = _delivery(app, attempt_id)
    assert (delivery.status, delivery.tries, delivery.last_error) == ("delivered", 1, None)
    assert len(gradebook.scores) == 1


@pytest.mark.parametrize("status", [302, 307])
def test_a_score_answered_with_a_redirect_is_not_delivered(app, lms, gradebook, status):
    gradebook.score_redirect = status  # followed, a 302 turned the score into a GET of a 200 page
    client, token = _ags_launch(app, lms, gradebook)
    attempt_id = _submit(app, client, token)
    delivery = _refused(app, attempt_id)
    site = urlsplit(gradebook.url("/login")).netloc
    assert f"HTTP {status}, a redirect to {site}" in delivery.last_error
    assert gradebook.login_visits == 0, "the redirect was followed"
