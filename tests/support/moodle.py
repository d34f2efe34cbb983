"""Moodle 4.5 as the tool meets it: its launch roles, its roster service and its error page.

The role URIs are the ones Moodle's mod/lti builds for an LTI 1.3 launch: a teacher is
`membership#Instructor`; a site administrator (or anyone with mod/lti:admin) gets Instructor
with the system and institution Administrator roles, and no Learner. Its Names and Roles
service (mod/lti/services.php/CourseSection/<course>/bindings/<tool>/memberships) lists only
people enrolled in the course, with course roles only: a manager appears as a bare Instructor,
and a site administrator who is not enrolled does not appear at all.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from typing import Any

from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from app.demo_lms.platform import LIS, LmsCourse, LmsUser
from tests.support.lms import INSTRUCTOR, LEARNER

SYSTEM_ADMINISTRATOR = f"{LIS}system/person#Administrator"
INSTITUTION_ADMINISTRATOR = f"{LIS}institution/person#Administrator"
NRPS_CLAIM = "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice"
MEMBERSHIP_TYPE = "application/vnd.ims.lti-nrps.v2.membershipcontainer+json"

# Moodle's user ids are its numeric ids; 2 is the site administrator made at installation.
# Moodle withholds the launcher's name and email when the tool is set to "Never" share them.
SITE_ADMIN = LmsUser("2", "", "", (INSTRUCTOR, SYSTEM_ADMINISTRATOR, INSTITUTION_ADMINISTRATOR))
MANAGER = LmsUser(
    "5",
    "Omar Haddad",
    "omar@example.org",
    (INSTRUCTOR, SYSTEM_ADMINISTRATOR, INSTITUTION_ADMINISTRATOR),
)
TEACHER = LmsUser("3", "Ruth Adeyemi", "ruth@example.org", (INSTRUCTOR,))
STUDENT = LmsUser("4", "Maya Chen", "maya@example.org", (LEARNER,))
COURSE = LmsCourse("2", "IMR Intensive", "IMR-1")
OTHER_COURSE = LmsCourse("3", "IMR Refresher", "IMR-2")


def memberships_path(course: LmsCourse) -> str:
    return f"/lms/mod/lti/services.php/CourseSection/{course.id}/bindings/1/memberships"


def member(user: LmsUser, role: str, status: str = "Active") -> dict[str, Any]:
    """One member as Moodle's memberships service writes it (LTI 1.3 vocabulary)."""
    given, _, family = user.name.partition(" ")
    return {
        "status": status,
        "roles": [role],
        "user_id": user.sub,
        "lis_person_sourcedid": "",
        "name": user.name,
        "given_name": given,
        "family_name": family,
        "email": user.email,
    }


def error_page(message: str = "Error reading from database") -> str:
    """Moodle's error page with debugging on: about 10 KB of markup, backtrace and page config."""
    backtrace = "".join(
        f"<li>line {100 + 7 * n} of /lib/dml/moodle_read_slave_trait.php: call to "
        f"pgsql_native_moodle_database-&gt;query_end() [{secrets.token_hex(6)}]</li>"
        for n in range(60)
    )
    config = json.dumps({"sesskey": secrets.token_hex(16), "tokens": secrets.token_hex(1500)})
    return (
        '<!DOCTYPE html><html dir="ltr" lang="en" xml:lang="en"><head><title>Error | Moodle</title>'
        f'<script>M.cfg = {config};</script></head><body id="page-mod-lti-services">'
        '<div id="page-wrapper"><div role="main"><div data-rel="fatalerror" class="box errorbox '
        f'alert alert-danger"><p class="errormessage">{message}</p><p class="errorcode"><a '
        'href="https://docs.moodle.org/405/en/error/moodle/dmlreadexception">More information '
        'about this error</a></p></div><div class="alert alert-info"><p><strong>Debug info:</strong> '
        "ERROR: relation &quot;mdl_lti_types&quot; does not exist</p><p>Error code: "
        f"dmlreadexception</p><p><strong>Stack trace:</strong></p><ul>{backtrace}</ul></div></div>"
        "</div></body></html>"
    )


@dataclass
class MoodleRoster:
    """Moodle's Names and Roles service for some courses, each answering members or failing."""

    server: HTTPServer

    def claims(self, course: LmsCourse) -> dict[str, Any]:
        """The NRPS claim Moodle puts in a launch from this course."""
        return {
            NRPS_CLAIM: {
                "context_memberships_url": self.server.url_for(memberships_path(course)),
                "service_versions": ["1.0", "2.0"],
            }
        }

    def serve(self, course: LmsCourse, members: list[dict[str, Any]]) -> None:
        self._token()

        def answer(request: Request) -> Response:
            assert request.headers["Accept"] == MEMBERSHIP_TYPE
            body = {
                "id": self.server.url_for(memberships_path(course)),
                "context": {"id": course.id, "label": course.label, "title": course.title},
                "members": members,
            }
            return Response(json.dumps(body), content_type=MEMBERSHIP_TYPE)

        self.server.expect_request(memberships_path(course)).respond_with_handler(answer)

    def fail(self, course: LmsCourse, status: int = 500) -> str:
        """The course's roster answers with Moodle's HTML error page; returns that page."""
        self._token()
        page = error_page()
        self.server.expect_request(memberships_path(course)).respond_with_response(
            Response(page, status=status, content_type="text/html; charset=utf-8")
        )
        return page

    def _token(self) -> None:
        self.server.expect_request("/lms/token", method="POST").respond_with_json(
            {"access_token": "moodle-token", "token_type": "Bearer", "expires_in": 3600}
        )
