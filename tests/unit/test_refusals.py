"""An LMS's refusal in one short line, whatever the LMS put in its answer."""

from __future__ import annotations

from http import HTTPStatus

import pytest
import requests
from pylti1p3.exception import LtiServiceException

from app.lti.refusals import REASON_CHARS, describe
from tests.support.moodle import error_page


def _refusal(status: int, body: str) -> Exception:
    response = requests.Response()
    response.status_code, response._content = status, body.encode()
    response.reason = HTTPStatus(status).phrase
    response.url = "https://moodle.example.org/mod/lti/services.php/CourseSection/2/memberships"
    return LtiServiceException(response)


@pytest.mark.parametrize(
    ("status", "body", "summary"),
    [
        (500, error_page(), "the LMS answered HTTP 500 (Error reading from database)"),
        (
            502,
            "<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>",
            "the LMS answered HTTP 502 (502 Bad Gateway)",
        ),
        (401, "Invalid token", "the LMS answered HTTP 401 (Invalid token)"),
        (403, "", "the LMS answered HTTP 403 (Forbidden)"),
        (
            500,
            "<html><body><p>no title</p></body></html>",
            "the LMS answered HTTP 500 (Internal Server Error)",
        ),
    ],
)
def test_a_refusal_is_its_status_and_a_short_reason(status, body, summary):
    assert describe(_refusal(status, body)) == summary


def test_a_long_plain_answer_is_cut_short_and_kept_on_one_line():
    summary = describe(_refusal(500, "a very long line\n" * 200))
    assert "\n" not in summary
    assert len(summary) < REASON_CHARS + 40


def test_an_error_without_an_answer_is_described_by_itself():
    assert describe(requests.ConnectTimeout("connect timed out")) == "connect timed out"
    assert describe(requests.ConnectionError()) == "ConnectionError"
