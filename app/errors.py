"""Every refusal is a page that says what went wrong and what to do next."""

from __future__ import annotations

from flask import Flask, render_template
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from app.auth import current_identity
from app.lti.errors import LaunchRejected
from app.lti.problems import record_problem

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
    500: (
        "Something went wrong on our side",
        "Nothing you entered was lost. Try again in a moment; if it keeps happening, tell your "
        "trainer or director the time it happened.",
    ),
}


def _render(status: int, title: str, advice: str, detail: str = "") -> tuple[str, int]:
    page = render_template(
        "errors/error.html", status=status, title=title, advice=advice, detail=detail
    )
    return page, status


def _http_error(error: HTTPException) -> tuple[str, int]:
    status = error.code or 500
    title, advice = _PAGES.get(status, (error.name, "Go back and try again."))
    specific = (
        error.description
        if error.description and error.description != type(error).description
        else ""
    )
    return _render(status, title, specific or advice)


def _csrf_error(error: CSRFError) -> tuple[str, int]:
    if current_identity() is None:
        # The session ended (or never began): opening the tool again is what helps, not a reload.
        return _render(401, *_PAGES[401])
    return _render(
        400,
        "This form has expired",
        "For your security, forms stop working after a while or when your session changes. "
        "Go back, reload the page, and submit it again.",
    )


def _launch_rejected(error: LaunchRejected) -> tuple[str, int]:
    record_problem(error)
    return _render(error.status, error.title, error.advice, error.detail)


def init_errors(app: Flask) -> None:
    """Register the pages for refusals and failures."""
    app.register_error_handler(CSRFError, _csrf_error)
    app.register_error_handler(LaunchRejected, _launch_rejected)
    app.register_error_handler(HTTPException, _http_error)
