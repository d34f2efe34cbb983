"""LTI Assignment and Grade Services: a quiz's gradebook column and one person's score in it.

The grade is found by its stable resource id (so every attempt at a quiz lands in the same
column) and created when missing; scores go as AGS 2.0 score objects.

The LMS's replies are checked before anything is sent on their word: the line item listing is
paged here, at most MAX_LINEITEM_PAGES pages and never the same page twice, following next-page
links only on the LMS's own site (the scheme, host and port of the course's `lineitems` URL); a
line item, listed or created, is used only when its id is a web address on that same site, so
the score and the access token never go anywhere else. Any 2xx answer to the score is taken as
delivered, whatever its body. What the LMS answers that cannot be used is GradebookRefused, with
a short plain message; an HTTP error is the connector's LtiServiceException (in REFUSALS).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import requests
from pylti1p3.assignments_grades import AssignmentsGradesService
from pylti1p3.exception import LtiException, LtiServiceException
from pylti1p3.grade import Grade
from pylti1p3.lineitem import LineItem
from pylti1p3.service_connector import ServiceConnector, TServiceConnectorResponse

from app.lti.http import next_link, site_of
from app.lti.tool import service_connector
from app.lti.tool_configuration import LINEITEM_SCOPE, SCORE_SCOPE
from app.models.lti import Platform

RESOURCE_PREFIX = "imr-quiz-"
# What an LMS may answer when it refuses a grade; callers retry on these.
REFUSALS = (LtiServiceException, LtiException)
# A course's line items fit in far fewer pages; more means the LMS's paging has gone wrong.
MAX_LINEITEM_PAGES = 100
LINEITEM_TYPE = "application/vnd.ims.lis.v2.lineitem+json"
LINEITEMS_TYPE = "application/vnd.ims.lis.v2.lineitemcontainer+json"
SCORE_TYPE = "application/vnd.ims.lis.v1.score+json"
# Errors an odd reply can raise inside the connector (a body that is not JSON, a missing key).
_ODD_REPLY = (ValueError, TypeError, KeyError, AttributeError, AssertionError, RecursionError)


class GradebookRefused(Exception):
    """The LMS cannot take this grade as things stand (the message says why)."""


@dataclass(frozen=True)
class Gradebook:
    """A course's AGS endpoint, as a launch granted it."""

    platform: Platform
    lineitems_url: str
    scopes: tuple[str, ...]

    @property
    def takes_scores(self) -> bool:
        return SCORE_SCOPE in self.scopes


@dataclass(frozen=True)
class Score:
    """One person's score on one quiz, out of 100."""

    quiz_id: str
    quiz_title: str
    subject: str
    percent: float
    submitted_at: datetime


@contextmanager
def _read_as(what: str) -> Iterator[None]:
    """An LMS reply read inside the block: an HTTP error or an unreachable LMS stays as raised
    (both retried), anything odd in the reply becomes GradebookRefused in plain words."""
    try:
        yield
    except REFUSALS:
        raise
    except requests.exceptions.JSONDecodeError:
        raise GradebookRefused(f"the LMS's {what} was not JSON") from None
    except requests.RequestException:
        raise
    except _ODD_REPLY:
        raise GradebookRefused(f"the LMS's {what} could not be read") from None


class _Service:
    """The AGS calls for one gradebook, through the connector pylti1p3 uses."""

    def __init__(self, connector: ServiceConnector, gradebook: Gradebook) -> None:
        self._connector = connector
        self._gradebook = gradebook
        # The scopes are the LMS's own words from the launch.
        self._scopes: list[str] = list(gradebook.scopes)
        self._site = site_of(gradebook.lineitems_url)
        if self._site is None:
            raise GradebookRefused(
                "the course's gradebook address from the LMS is not a web address"
            )

    def on_site(self, url: object) -> bool:
        return site_of(url) == self._site

    def request(self, url: str, what: str, **options: Any) -> TServiceConnectorResponse:
        """One service call; an HTTP error stays the connector's, an odd reply is refused."""
        with _read_as(what):
            return self._connector.make_service_request(
                self._scopes, url, case_insensitive_headers=True, **options
            )

    def find(self, resource_id: str) -> LineItem | None:
        """The listed line item with this resource id, paging through the listing."""
        url: str | None = self._gradebook.lineitems_url
        visited: set[str] = set()
        while url:
            if url in visited:
                raise GradebookRefused("the LMS's list of gradebook columns pages round in a loop")
            if len(visited) >= MAX_LINEITEM_PAGES:
                raise GradebookRefused(
                    f"the LMS's list of gradebook columns runs past {MAX_LINEITEM_PAGES} pages"
                )
            visited.add(url)
            reply = self.request(url, "list of gradebook columns", accept=LINEITEMS_TYPE)
            entries = reply["body"]
            if not isinstance(entries, list):
                raise GradebookRefused("the LMS's list of gradebook columns is not a list")
            for entry in entries:
                if isinstance(entry, dict) and entry.get("resourceId") == resource_id:
                    return LineItem(self._checked(entry, "listed"))
            url = next_link(reply["headers"], url)
            if url is not None and not self.on_site(url):
                raise GradebookRefused(
                    "the LMS's list of gradebook columns points to another site for its next page"
                )
        return None

    def create(self, wanted: LineItem) -> LineItem:
        reply = self.request(
            self._gradebook.lineitems_url,
            "new gradebook column",
            is_post=True,
            data=wanted.get_value(),
            content_type=LINEITEM_TYPE,
            accept=LINEITEM_TYPE,
        )
        body = reply["body"]
        if not isinstance(body, dict):
            raise GradebookRefused("the LMS's answer to the new gradebook column could not be read")
        return LineItem(self._checked(body, "created"))

    def _checked(self, item: dict[str, Any], how: str) -> Any:
        if not self.on_site(item.get("id")):
            raise GradebookRefused(
                f"the LMS's {how} gradebook column has no address on the LMS's own site"
            )
        return item

    def post(self, lineitem: LineItem, grade: Grade) -> None:
        """Post the score; any 2xx answer means the LMS took it, whatever the body says."""
        lineitem_id = lineitem.get_id()
        if not isinstance(lineitem_id, str) or not self.on_site(lineitem_id):
            raise GradebookRefused("the gradebook column has no address on the LMS's own site")
        score_url = AssignmentsGradesService._add_url_path_ending(lineitem_id, "scores")
        with _read_as("access token answer"):
            self._connector.get_access_token(self._scopes)  # so an odd reply below is the score's
        try:
            self._connector.make_service_request(
                self._scopes,
                score_url,
                is_post=True,
                data=grade.get_value(),
                content_type=SCORE_TYPE,
            )
        except requests.exceptions.JSONDecodeError:
            return  # a 2xx answer whose body is not JSON: the LMS took the score


def _wanted(score: Score) -> LineItem:
    return (
        LineItem()
        .set_resource_id(RESOURCE_PREFIX + score.quiz_id)
        .set_tag("imr-academy")
        .set_label(score.quiz_title)
        .set_score_maximum(100)
    )


def post_score(gradebook: Gradebook, score: Score) -> None:
    """Put the score in the quiz's column (made if missing); raises what the LMS refused."""
    if LINEITEM_SCOPE not in gradebook.scopes:
        raise GradebookRefused(
            "the LMS did not grant the line item scope, so the quiz's gradebook column cannot be made"
        )
    if SCORE_SCOPE not in gradebook.scopes:
        raise GradebookRefused("the LMS did not grant the score scope, so grades cannot be sent")
    service = _Service(service_connector(gradebook.platform), gradebook)
    grade = (
        Grade()
        .set_score_given(score.percent)
        .set_score_maximum(100)
        .set_activity_progress("Completed")
        .set_grading_progress("FullyGraded")
        .set_timestamp(score.submitted_at.astimezone(UTC).isoformat())
        .set_user_id(score.subject)
    )
    wanted = _wanted(score)
    lineitem = service.find(RESOURCE_PREFIX + score.quiz_id) or service.create(wanted)
    service.post(lineitem, grade)
