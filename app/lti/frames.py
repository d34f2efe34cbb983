"""Which web origins may frame IMR Academy: the registered LMSs' own, and no one else's.

IMR Academy lives in LMS iframes, so `frame-ancestors *` was the easy answer, and it let any
site frame a practitioner's session (clickjacking). The origins come from the registrations
instead: each LMS's issuer and login host, plus the origin its verified launches were posted
from (Canvas Cloud frames the tool from each school's own domain, not from its issuer's) when
the signed launch itself names that origin. The browser's Origin header alone is no evidence:
anyone can post their own valid launch with any Origin, which once let a practitioner add a site
of their choosing to the origins every session of their LMS could be framed by.

Pages before a launch are framed only by the LMS they are for (app.security), never by every
registered LMS at once: that list named every organisation's LMS hosts to anyone who asked.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from app.lti.context import LaunchContext
from app.lti.registry import find_platform
from app.models.lti import Platform

MAX_REMEMBERED = 20  # per LMS: schools with several domains, without growing without bound


def origin_of(url: str | None) -> str | None:
    """`https://lms.example.org` from any URL on it; None for anything that is not a web origin."""
    parts = urlsplit(url or "")
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        return None
    return f"{parts.scheme}://{parts.netloc}"


def vouched_origins(launch: LaunchContext) -> set[str]:
    """The origins a signed launch names as the LMS's own pages (its return URL, its platform)."""
    return {o for o in (origin_of(launch.return_url), origin_of(launch.platform_url)) if o}


def remember_frame_origin(launch: LaunchContext, origin_header: str | None) -> None:
    """Keep the origin a verified launch was posted from, on its LMS (flushed with the launch),
    when the launch's own signed claims name it."""
    origin = origin_of(origin_header)
    if origin is None or origin not in vouched_origins(launch):
        return
    platform = find_platform(launch.issuer, launch.client_id)
    if platform is None or origin in platform_origins(platform):
        return
    platform.frame_origins = [*(platform.frame_origins or []), origin][-MAX_REMEMBERED:]


def origins_for(issuer: str, client_id: str | None) -> list[str]:
    """The origins a session launched from this LMS may be framed by (without a client id, the
    issuer's only registration's)."""
    platform = find_platform(issuer, client_id)
    return platform_origins(platform) if platform else []


def platform_origins(platform: Platform) -> list[str]:
    """Every origin this LMS may frame IMR Academy from."""
    found = {origin_of(platform.issuer), origin_of(platform.auth_login_url)}
    found.update(platform.frame_origins or [])
    return sorted(origin for origin in found if origin)
