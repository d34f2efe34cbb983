"""LTI Names and Role Provisioning Services: a course's members, every page of them."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from pylti1p3.exception import LtiException
from pylti1p3.names_roles import NamesRolesProvisioningService

from app.domain.roles import Role
from app.lti.context import NAME_LIMIT, PART_LIMIT, UNSTORABLE, display_text, email_address
from app.lti.http import next_link, site_of
from app.lti.roles import roles_from_lti
from app.lti.tool import service_connector
from app.models.lti import Platform


class MalformedRoster(Exception):
    """The LMS answered, but not with a membership list IMR Academy can read (says how)."""


# What a roster call may raise when the LMS refuses; callers retry on these.
REFUSALS = (LtiException, MalformedRoster)  # LtiException: a service refusal or a bad token
SUBJECT_LIMIT = 255  # the LTI Core spec's limit on a user id, as the launch enforces for `sub`


@dataclass(frozen=True)
class Member:
    """One person on an LMS course roster, as IMR Academy needs them."""

    subject: str
    roles: frozenset[Role]
    active: bool
    name: str | None
    given_name: str | None
    family_name: str | None
    email: str | None


def _subject(raw: Mapping[str, Any]) -> str | None:
    """The member's user id as a launch's `sub` would be: text (or a plain number) that fits."""
    user_id = raw.get("user_id")
    if isinstance(user_id, int) and not isinstance(user_id, bool):
        user_id = str(user_id)
    if not isinstance(user_id, str) or not user_id or len(user_id) > SUBJECT_LIMIT:
        return None
    return None if UNSTORABLE.search(user_id) else user_id


def _member(raw: object) -> Member | None:
    """One roster entry as the launch path would take it, or None for one no launch could be.

    pylti1p3 checks nothing in a roster, so it gets the launch's rules here: names within the
    launch's limits and storable, roles that are text, an id that would fit a launch's `sub`.
    """
    if not isinstance(raw, Mapping) or (subject := _subject(raw)) is None:
        return None
    roles = raw.get("roles")
    listed = roles if isinstance(roles, list) else []
    return Member(
        subject=subject,
        roles=roles_from_lti(role for role in listed if isinstance(role, str)),
        active=raw.get("status", "Active") == "Active",
        name=display_text(raw.get("name"), NAME_LIMIT),
        given_name=display_text(raw.get("given_name"), PART_LIMIT),
        family_name=display_text(raw.get("family_name"), PART_LIMIT),
        email=email_address(raw.get("email")),
    )


MAX_PAGES = 500  # 50,000 members at the usual 100 a page; a chain past it is refused


def _next_page(headers: Mapping[str, str], current: str) -> str | None:
    """The next page's address, only on the roster's own site: the call carries our token."""
    following = next_link(headers, current)
    if following is not None and site_of(following) != site_of(current):
        raise MalformedRoster("the LMS's next roster page is on another server")
    return following


def _page(service: NamesRolesProvisioningService, url: str) -> tuple[list[object], str | None]:
    """One page's entries and the next page's address, refusing an answer with no list."""
    try:
        data = service.get_nrps_data(members_url=url)
    except (ValueError, RecursionError):
        raise MalformedRoster("the LMS's roster answer was not JSON") from None
    body = data.get("body")
    listed = body.get("members") if isinstance(body, dict) else None
    if not isinstance(listed, list):
        raise MalformedRoster("the LMS's answer holds no list of members")
    return listed, _next_page(data.get("headers") or {}, url)


def members(platform: Platform, memberships_url: str) -> Iterator[Member]:
    """Every member of the course, following the service's `Link: rel="next"` pages.

    A page of entries none of which can be read is refused rather than taken as an empty
    course: read as empty, it would mark everyone in the cohort as having left.
    """
    service = NamesRolesProvisioningService(
        service_connector(platform), {"context_memberships_url": memberships_url}
    )
    url: str | None = memberships_url
    visited: set[str] = set()
    while url:
        if url in visited:
            raise MalformedRoster("the LMS's roster pages lead back to one already read")
        if len(visited) == MAX_PAGES:
            raise MalformedRoster(f"the LMS's roster runs past {MAX_PAGES} pages")
        visited.add(url)
        listed, url = _page(service, url)
        found = [member for member in map(_member, listed) if member is not None]
        if listed and not found:
            raise MalformedRoster(f"none of the {len(listed)} entries the LMS listed can be read")
        yield from found
