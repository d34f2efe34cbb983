"""Requests that only IMR Academy's own pages may send, refused when another site sends them.

The steps that finish a sign-in without the LMS (the storage check, the session exchange, a
director's approval) carry a secret in their body but no CSRF token, since no session exists
yet. A site that got hold of such a secret could post it from its own page and sign a victim's
browser in as someone else (login CSRF); browsers name the sending site in Origin and
Sec-Fetch-Site on every cross-site post, so those headers tell our own page from a forged one.
"""

from __future__ import annotations

from flask import request

from app.lti.errors import LaunchRejected
from app.lti.frames import origin_of
from app.urls import public_url


def require_our_own_page() -> None:
    """Refuse a request that IMR Academy's own page did not send (a forged form or link)."""
    ours = origin_of(public_url("lti.launch"))
    site = request.headers.get("Sec-Fetch-Site", "same-origin")
    if request.headers.get("Origin") != ours or site != "same-origin":
        raise LaunchRejected("not-from-tool", f"Origin {request.headers.get('Origin')!r}")
