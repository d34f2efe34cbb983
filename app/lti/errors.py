"""Why a launch was refused, in words a practitioner and an LMS administrator can act on."""

from __future__ import annotations

from dataclasses import dataclass, field

_REASONS: dict[str, tuple[int, str, str]] = {
    # reason: (HTTP status, title, what the person can do)
    "not-registered": (
        403,
        "This course's LMS is not registered with IMR Academy",
        "Ask your LMS administrator to register the LMS with IMR Academy (issuer {issuer}, "
        "client id {client_id}).",
    ),
    "unknown-deployment": (
        403,
        "This LMS deployment is not registered with IMR Academy",
        "Ask your LMS administrator to add deployment id {deployment_id} for issuer {issuer}.",
    ),
    "bad-signature": (
        401,
        "The launch could not be verified",
        "The LMS's signature did not verify against the keys it publishes. Open IMR Academy "
        "again from your course; if it keeps happening, tell your LMS administrator (the LMS "
        "may have rotated its keys or be misconfigured).",
    ),
    "expired": (
        401,
        "The launch expired before it reached IMR Academy",
        "Open IMR Academy again from your course. If this keeps happening, the LMS server's "
        "clock may be wrong: tell your LMS administrator.",
    ),
    "wrong-audience": (
        401,
        "The launch was meant for a different tool",
        "The LMS addressed this launch to another client id. Ask your LMS administrator to check "
        "the IMR Academy registration (issuer {issuer}).",
    ),
    "replayed": (
        401,
        "This launch link was already used",
        "Each launch works once. Go back to your course and open IMR Academy again rather than "
        "reloading or using the browser's back button.",
    ),
    "state": (
        401,
        "Your browser did not keep the sign-in cookie",
        "Open IMR Academy again from your course. If this keeps happening, your browser blocks "
        "cookies in embedded pages: open the activity in a new window, or allow cookies for "
        "this site.",
    ),
    "malformed": (
        400,
        "The LMS sent an incomplete launch",
        "Open IMR Academy again from your course. If it keeps happening, tell your LMS "
        "administrator that the launch message was malformed.",
    ),
    "missing-claims": (
        400,
        "The LMS left out information IMR Academy needs",
        "Tell your LMS administrator: the launch must include the user (sub), roles, deployment "
        "and LTI version 1.3.0.",
    ),
    "login": (
        400,
        "The LMS started the sign-in incorrectly",
        "Open IMR Academy again from your course. If it keeps happening, tell your LMS "
        "administrator that the login initiation request was incomplete.",
    ),
    "no-role": (
        403,
        "IMR Academy has no place for this course role",
        "IMR Academy serves practitioners (learners), trainers (instructors, teaching "
        "assistants, content developers) and directors (administrators). Ask your trainer to "
        "check your role in the course.",
    ),
    "no-course": (
        400,
        "Open IMR Academy from inside a course",
        "Practitioners and trainers work within a course (cohort). Open IMR Academy from your "
        "course's activity link.",
    ),
}


@dataclass
class LaunchRejected(Exception):
    """A launch or login that must stop, with no session created."""

    reason: str
    detail: str = ""
    facts: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.reason not in _REASONS:
            raise ValueError(f"unknown launch rejection reason {self.reason!r}")
        super().__init__(f"{self.reason}: {self.detail}")

    @property
    def status(self) -> int:
        return _REASONS[self.reason][0]

    @property
    def title(self) -> str:
        return _REASONS[self.reason][1]

    @property
    def advice(self) -> str:
        facts = {"issuer": "?", "client_id": "?", "deployment_id": "?"} | self.facts
        return _REASONS[self.reason][2].format(**facts)
