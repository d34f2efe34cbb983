"""Every refusal is a page that says what went wrong and what to do next."""

from __future__ import annotations

from flask import Flask, current_app, render_template, request
from flask.globals import request_ctx
from flask_wtf.csrf import CSRFError
from kombu.exceptions import OperationalError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from sqlalchemy.exc import OperationalError as DatabaseUnavailable
from werkzeug.exceptions import HTTPException, SecurityError

from app.auth import as_a_visitor, current_identity
from app.lti.errors import LaunchRejected
from app.services.launch_problems import record_problem

_PAGES: dict[int, tuple[str, str]] = {
    400: ("The request could not be used", "Go back, check what you entered, and try again."),
    401: (
        "Please open IMR Academy from your course",
        "Your session has ended or was never started. IMR Academy opens from your LMS: go to "
        "your course and select the IMR Academy link. If you just did, your browser may be "
        "blocking cookies inside the course page: open the activity in a new window.",
    ),
    403: (
        "This page is not part of your role",
        "IMR Academy shows each role its own pages. If you hold another role in this course, "
        "switch to it from the menu at the top, or ask your trainer or director for access.",
    ),
    404: (
        "We could not find that page",
        "The link may be out of date, or the item may belong to another organisation. Go back "
        "to your home page and follow the links from there.",
    ),
    405: ("That action is not available here", "Use the buttons and links on the page."),
    413: ("That upload is too large", "Choose a smaller file and try again."),
    429: ("Too many attempts", "Wait a minute, then try again."),
    503: (
        "IMR Academy is temporarily unavailable",
        "A service IMR Academy relies on is not answering. Nothing you saved is lost. Wait a "
        "minute, then try again.",
    ),
    500: (
        "Something went wrong on our side",
        "Nothing you entered was lost. Try again in a moment; if it keeps happening, tell your "
        "trainer or director the time it happened.",
    ),
}


class NotOpenYet(Exception):
    """Something the person may use later, not never: the page says when it opens.

    A locked training day or its quiz belongs to the person's role, so the role refusal (403's
    "not part of your role") would mislead them.
    """

    def __init__(self, heading: str, reason: str) -> None:
        super().__init__(reason)
        self.heading = heading
        self.reason = reason


def _not_open_yet(error: NotOpenYet) -> Page:
    return render_template("errors/not_open.html", heading=error.heading, reason=error.reason), 403


Page = tuple[str, int] | tuple[str, int, dict[str, str]]


def _plain(status: int, text: str) -> Page:
    """A page without links, for a request whose Host header gives nothing to build them on."""
    return text + "\n", status, {"Content-Type": "text/plain; charset=utf-8"}


def _render(status: int, title: str, advice: str, detail: str = "") -> Page:
    if request_ctx.url_adapter is None:  # a Host Flask could not read (3,000 characters, say)
        return _plain(status, f"{title}. {detail or advice}")
    page = render_template(
        "errors/error.html", status=status, title=title, advice=advice, detail=detail
    )
    return page, status


def _http_error(error: HTTPException) -> Page:
    status = error.code or 500
    title, advice = _PAGES.get(status, (error.name, "Go back and try again."))
    specific = (
        error.description
        if error.description and error.description != type(error).description
        else ""
    )
    return _render(status, title, specific or advice)


def _csrf_error(error: CSRFError) -> Page:
    if current_identity() is None:
        # The session ended (or never began): opening the tool again is what helps, not a reload.
        return _render(401, *_PAGES[401])
    return _render(
        400,
        "This form has expired",
        "For your security, forms stop working after a while or when your session changes. "
        "Go back, reload the page, and submit it again.",
    )


def _launch_rejected(error: LaunchRejected) -> Page:
    record_problem(error, count_unverified=request.method == "POST")
    return _render(error.status, error.title, error.advice, error.detail)


def _untrusted_host(error: SecurityError) -> Page:
    """A Host header that is not IMR Academy's: no links can be built, so a page without any."""
    return _plain(
        400,
        "This address is not IMR Academy's. Open IMR Academy from your LMS, or use the address "
        "your organisation gave you.",
    )


def _unavailable(error: Exception) -> Page:
    """Redis (the shared store or the task broker) is configured but down."""
    current_app.logger.error("a shared service is unavailable: %r", error)
    return _render(503, *_PAGES[503])


# PostgreSQL's code for a statement it cancelled (here: one that ran past the app's limit).
QUERY_CANCELED = "57014"


def _database_unavailable(error: DatabaseUnavailable) -> Page:
    """The database did not answer, or stopped a statement that ran past its limit.

    Either way the request's work is rolled back at the boundary, so the page can promise that
    nothing was saved half-way. The log names the database's own words, never the statement's
    parameters (they may be names and e-mail addresses).
    """
    cause = error.orig
    current_app.logger.error("the database did not answer: %s: %s", type(cause).__name__, cause)
    as_a_visitor()  # the header's person and course are the database's to give
    if getattr(cause, "sqlstate", None) == QUERY_CANCELED:
        return _render(
            503,
            "IMR Academy took too long to answer",
            "What you asked for was stopped before it finished, and nothing of it was saved. "
            "Try again in a minute; if it happens again, tell your trainer or director the time "
            "it happened.",
        )
    return _render(503, *_PAGES[503])


def init_errors(app: Flask) -> None:
    """Register the pages for refusals and failures."""
    for unavailable in (RedisConnectionError, RedisTimeoutError, OperationalError):
        app.register_error_handler(unavailable, _unavailable)
    app.register_error_handler(DatabaseUnavailable, _database_unavailable)
    app.register_error_handler(SecurityError, _untrusted_host)
    app.register_error_handler(CSRFError, _csrf_error)
    app.register_error_handler(LaunchRejected, _launch_rejected)
    app.register_error_handler(NotOpenYet, _not_open_yet)
    app.register_error_handler(HTTPException, _http_error)
