"""Why a launch was refused, in words a practitioner and an LMS administrator can act on."""

from __future__ import annotations

from dataclasses import dataclass, field

from app.lti.context import UNSTORABLE

_REASONS: dict[str, tuple[int, str, str, str]] = {
    # reason: (HTTP status, title, what the person can do, the cause for an LMS administrator)
    "not-registered": (
        403,
        "This course's LMS is not registered with IMR Academy",
        "Ask your LMS administrator to register the LMS with IMR Academy (issuer {issuer}, "
        "client id {client_id}).",
        "no LMS is registered with issuer {issuer} and client id {client_id}",
    ),
    "unknown-deployment": (
        403,
        "This LMS deployment is not registered with IMR Academy",
        "Ask your LMS administrator to add deployment id {deployment_id} for issuer {issuer}.",
        "the deployment id {deployment_id} is not registered",
    ),
    "bad-signature": (
        401,
        "The launch could not be verified",
        "The LMS's signature did not verify against the keys it publishes. Open IMR Academy "
        "again from your course; if it keeps happening, tell your LMS administrator (the LMS "
        "may have rotated its keys or be misconfigured).",
        "signature did not verify against the LMS key set: the LMS may have rotated its keys",
    ),
    "key-set": (
        502,
        "IMR Academy could not read your LMS's keys",
        "IMR Academy checks every launch against the public keys your LMS publishes, and could "
        "not read them just now. Try again in a few minutes; if it keeps happening, tell your "
        "LMS administrator to check the key set URL registered for {issuer}.",
        "the LMS's key set could not be read: {detail}",
    ),
    "expired": (
        401,
        "The launch expired before it reached IMR Academy",
        "Open IMR Academy again from your course. If this keeps happening, the LMS server's "
        "clock may be wrong: tell your LMS administrator.",
        "the launch had expired when it arrived: the LMS server's clock may be wrong",
    ),
    "wrong-audience": (
        401,
        "The launch was meant for a different tool",
        "The LMS addressed this launch to another client id. Ask your LMS administrator to check "
        "the IMR Academy registration (issuer {issuer}).",
        "the launch was addressed to client id {client_id}, which is not the one registered for this LMS",
    ),
    "replayed": (
        401,
        "This launch link was already used",
        "Each launch works once. Go back to your course and open IMR Academy again rather than "
        "reloading or using the browser's back button.",
        "the same launch arrived twice (a reload or the back button)",
    ),
    "state": (
        401,
        "Your browser did not keep the sign-in cookie",
        "Open IMR Academy again from your course. If this keeps happening, your browser blocks "
        "cookies in embedded pages: open the activity in a new window, or allow cookies for "
        "this site.",
        "the browser did not send back the sign-in cookie: it blocks cookies inside the LMS frame",
    ),
    "storage": (
        401,
        "Your LMS page could not confirm this sign-in",
        "Open IMR Academy again from your course. If this keeps happening, open the activity in "
        "a new window.",
        "the sign-in state or nonce kept in the LMS page's storage did not come back, or did not "
        "match the launch",
    ),
    "not-from-tool": (
        403,
        "This sign-in was not finished by IMR Academy's own page",
        "Open IMR Academy from your course's activity link, not from a link someone sent you.",
        "a sign-in through the LMS's storage, or a director's approval of a new connection, was "
        "finished by a request another site sent",
    ),
    "malformed": (
        400,
        "The LMS sent an incomplete launch",
        "Open IMR Academy again from your course. If it keeps happening, tell your LMS "
        "administrator that the launch message was malformed.",
        "the launch message was not a well-formed signed token",
    ),
    "missing-claims": (
        400,
        "The LMS left out information IMR Academy needs",
        "Tell your LMS administrator: the launch must include the user (sub), roles, deployment "
        "and LTI version 1.3.0.",
        "the launch left out required claims (user, roles, deployment or LTI version)",
    ),
    "login": (
        400,
        "The LMS started the sign-in incorrectly",
        "Open IMR Academy again from your course. If it keeps happening, tell your LMS "
        "administrator that the login initiation request was incomplete.",
        "the LMS started the sign-in without iss, login_hint or a target link of IMR Academy",
    ),
    "no-role": (
        403,
        "IMR Academy has no place for this course role",
        "IMR Academy serves practitioners (learners), trainers (instructors, teaching "
        "assistants, content developers) and directors (administrators). Ask your trainer to "
        "check your role in the course.",
        "the person's course roles include none IMR Academy serves",
    ),
    "awaiting-approval": (
        403,
        "This LMS connection is waiting for approval",
        "IMR Academy was connected to your LMS, but a director of your organisation or the IMR "
        "Academy operator must approve the connection before anyone can use it. Directors: open "
        "IMR Academy from the LMS to approve it. Everyone else: try again once it is approved.",
        "the deployment {deployment_id} was registered and waits for approval",
    ),
    "wrong-browser": (
        401,
        "This sign-in was started in another browser",
        "For your security, IMR Academy only finishes a sign-in in the browser that began it. "
        "Go back to your course and open IMR Academy again from there.",
        "the launch's nonce was not the one issued with this browser's sign-in state (a launch "
        "begun in another browser)",
    ),
    "bad-claim": (
        400,
        "The LMS sent information IMR Academy cannot store",
        "Tell your LMS administrator that the launch carried an identifier or text IMR Academy "
        "cannot accept ({detail}).",
        "the launch carried a claim IMR Academy cannot accept: {detail}",
    ),
    "no-course": (
        400,
        "Open IMR Academy from inside a course",
        "Practitioners and trainers work within a course (cohort). Open IMR Academy from your "
        "course's activity link.",
        "a practitioner or trainer launched without a course (context claim)",
    ),
}

_UNKNOWN = {"issuer": "?", "client_id": "?", "deployment_id": "?"}


@dataclass
class LaunchRejected(Exception):
    """A launch or login that must stop, with no session created."""

    reason: str
    detail: str = ""
    facts: dict[str, str] = field(default_factory=dict)
    # Whether the LMS's signature had been verified: only then are the facts the LMS's own, and
    # only then is the cause recorded on the connection it names.
    verified: bool = False

    def __post_init__(self) -> None:
        if self.reason not in _REASONS:
            raise ValueError(f"unknown launch rejection reason {self.reason!r}")
        # Whatever the sender wrote reaches a page and the connection's row: nothing unstorable.
        self.facts = {name: UNSTORABLE.sub("\ufffd", str(v)) for name, v in self.facts.items()}
        self.detail = UNSTORABLE.sub("\ufffd", self.detail)
        super().__init__(f"{self.reason}: {self.detail}")

    @property
    def status(self) -> int:
        return _REASONS[self.reason][0]

    @property
    def title(self) -> str:
        return _REASONS[self.reason][1]

    @property
    def advice(self) -> str:
        return _REASONS[self.reason][2].format(**self._words())

    @property
    def cause(self) -> str:
        """The cause in plain words, kept for the LMS administrator who has to fix it."""
        return _REASONS[self.reason][3].format(**self._words())

    def _words(self) -> dict[str, str]:
        return _UNKNOWN | self.facts | {"detail": self.detail}


def all_causes() -> dict[str, str]:
    """Every reason with its cause as a template, for the troubleshooting guide's test."""
    return {reason: entry[3] for reason, entry in _REASONS.items()}
