"""An LMS's refusal of a service call (roster, gradebook), summarised in one short line.

An LMS that fails often answers with its whole HTML error page (Moodle's runs to kilobytes of
markup and debugging output). People see the HTTP status and a short reason; the full answer
belongs in the log, never in a page, a flash message or the session cookie that carries it.
"""

from __future__ import annotations

import html
import re

import requests

REASON_CHARS = 120
# Where an HTML error page says what went wrong: Moodle's error message, else the page title.
_HTML_REASONS = (
    re.compile(r'<[^>]*class="[^"]*\berrormessage\b[^"]*"[^>]*>(.*?)</', re.IGNORECASE | re.DOTALL),
    re.compile(r"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL),
)


def _short(text: str) -> str:
    """One line of at most REASON_CHARS characters."""
    line = " ".join(text.split())
    return line if len(line) <= REASON_CHARS else line[: REASON_CHARS - 1].rstrip() + "…"


def _reason_in_body(response: requests.Response) -> str:
    """A short reason from the body: an HTML page's message or title, or a brief plain answer."""
    body = response.text[:100_000]
    if "<" in body and ">" in body:
        for pattern in _HTML_REASONS:
            found = pattern.search(body)
            if found and (text := html.unescape(re.sub(r"<[^>]+>", " ", found.group(1))).strip()):
                return _short(text)
        return ""
    return _short(body) if body.strip() else ""


def describe(error: Exception) -> str:
    """`the LMS answered HTTP 500 (Error reading from database)`: status and a short reason."""
    response = getattr(error, "response", None)
    if not isinstance(response, requests.Response):
        return _short(str(error) or type(error).__name__)
    reason = _reason_in_body(response) or response.reason or ""
    summary = f"the LMS answered HTTP {response.status_code}"
    return f"{summary} ({reason})" if reason else summary
