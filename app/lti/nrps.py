"""LTI Names and Role Provisioning Services: a course's members, every page of them."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from pylti1p3.exception import LtiServiceException
from pylti1p3.names_roles import NamesRolesProvisioningService

from app.domain.roles import Role
from app.lti.roles import roles_from_lti
from app.lti.tool import service_connector
from app.models.lti import Platform

# What a roster call may raise when the LMS refuses; callers retry on these.
REFUSALS = (LtiServiceException,)


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


def _member(raw: Mapping[str, Any]) -> Member | None:
    if not raw.get("user_id"):
        return None
    return Member(
        subject=str(raw["user_id"]),
        roles=roles_from_lti(raw.get("roles") or []),
        active=raw.get("status", "Active") == "Active",
        name=raw.get("name"),
        given_name=raw.get("given_name"),
        family_name=raw.get("family_name"),
        email=raw.get("email"),
    )


def members(platform: Platform, memberships_url: str) -> Iterator[Member]:
    """Every member of the course, following the service's `Link: rel="next"` pages."""
    service = NamesRolesProvisioningService(
        service_connector(platform), {"context_memberships_url": memberships_url}
    )
    for raw in service.get_members():
        member = _member(raw)
        if member is not None:
            yield member
