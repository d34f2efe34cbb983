"""Public links (verification, badges, the tool's LTI endpoints) built from PUBLIC_URL.

A request's Host and X-Forwarded-Host headers are chosen by the client, so a link built from them
could point a certificate's QR code or an LMS registration at someone else's server. Every link
that leaves the app is built from the configured address instead, inside a request or not (a
periodic task issuing a certificate has no request at all).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import current_app
from werkzeug.exceptions import NotFound
from werkzeug.routing import IntegerConverter

ROW_ID_LIMIT = 2**31 - 1  # the largest value of an INTEGER column on PostgreSQL


class RowIdConverter(IntegerConverter):
    """`<int:…>` in every route: a number a row id can be, or no such page (404).

    Werkzeug's own converter takes any length of digits, and a number past the database's
    integer reached the query and failed there with a 500 (SQLite and PostgreSQL alike). The
    404 is raised here, not refused as a non-match, so that a POST finds no such page either
    (a non-match would leave Werkzeug answering 405 from the route's GET twin).
    """

    def to_python(self, value: str) -> int:
        number = int(super().to_python(value))
        if number > ROW_ID_LIMIT:
            raise NotFound("There is no such page: no record has a number that large.")
        return number


def public_url(endpoint: str, **values: Any) -> str:
    """The absolute public URL of an endpoint, from the configured PUBLIC_URL."""
    base = urlsplit(current_app.config["IMR_SETTINGS"].public_url)
    adapter = current_app.url_map.bind(
        base.netloc, script_name=base.path or "/", url_scheme=base.scheme
    )
    return adapter.build(endpoint, values, force_external=True)


def public_host() -> str:
    """The host name and port the public URL names (what an LMS calls the tool's domain)."""
    return urlsplit(current_app.config["IMR_SETTINGS"].public_url).netloc


def is_public_url(url: str) -> bool:
    """Whether a URL points back at IMR Academy's public address (no open redirects)."""
    try:
        parts = urlsplit(url)
    except ValueError:  # text urlsplit cannot read (an unclosed IPv6 bracket) is not ours either
        return False
    return parts.scheme in {"http", "https"} and parts.netloc == public_host()
