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
    parts = urlsplit(url)
    return parts.scheme in {"http", "https"} and parts.netloc == public_host()
