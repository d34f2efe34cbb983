"""What a validated launch tells IMR Academy, as a plain value the rest of the app can use."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from app.domain.roles import Role
from app.lti import claims
from app.lti.roles import roles_from_lti

# What the database keeps of the names an LMS sends; longer ones are cut, not refused.
NAME_LIMIT, PART_LIMIT, EMAIL_LIMIT, TITLE_LIMIT, LABEL_LIMIT = 300, 150, 320, 300, 120
# What no column can store: NUL (PostgreSQL refuses it) and halves of a surrogate pair (no
# encoding can write one alone). A launch carrying either is refused before it gets here.
UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def display_text(value: Any, limit: int) -> str | None:
    """A display text from the LMS (a claim, a roster entry), cut to what is kept and without
    what no column can store; None when absent or not text."""
    if not isinstance(value, str):
        return None
    text = UNSTORABLE.sub("", value).strip()
    return text[:limit] or None


def email_address(value: Any) -> str | None:
    """An e-mail address, or None: an over-long one cannot be an address, so it is dropped."""
    text = display_text(value, EMAIL_LIMIT + 1)
    return text if text and len(text) <= EMAIL_LIMIT else None


def _text(claim: Any, name: str) -> str | None:
    """One text member of an object claim; None when the claim or the member is something else."""
    value = claim.get(name) if isinstance(claim, Mapping) else None
    return value if isinstance(value, str) else None


@dataclass(frozen=True)
class LaunchContext:
    """Who launched, from which organisation and course, with which roles."""

    launch_id: str
    issuer: str
    client_id: str
    deployment_id: str
    message_type: str
    subject: str
    name: str
    given_name: str | None
    family_name: str | None
    email: str | None
    roles: frozenset[Role]
    context_id: str | None
    context_title: str | None
    context_label: str | None
    resource_link_id: str | None
    target_link_uri: str | None
    custom: Mapping[str, str]
    ags_lineitems_url: str | None = None
    ags_scopes: tuple[str, ...] = ()
    nrps_url: str | None = None
    # Pages of the LMS the signed launch names: the origins it frames IMR Academy from.
    return_url: str | None = None
    platform_url: str | None = None

    @classmethod
    def from_claims(cls, launch_id: str, body: Mapping[str, Any]) -> LaunchContext:
        """Read the claims of a launch that pylti1p3 has already validated."""
        audience = body["aud"]
        context = body.get(claims.CONTEXT) or {}
        resource_link = body.get(claims.RESOURCE_LINK) or {}
        return cls(
            launch_id=launch_id,
            issuer=body["iss"],
            client_id=audience[0] if isinstance(audience, list) else audience,
            deployment_id=body[claims.DEPLOYMENT_ID],
            message_type=body[claims.MESSAGE_TYPE],
            subject=body["sub"],
            name=display_text(body.get("name"), NAME_LIMIT) or "",
            given_name=display_text(body.get("given_name"), PART_LIMIT),
            family_name=display_text(body.get("family_name"), PART_LIMIT),
            email=email_address(body.get("email")),
            roles=roles_from_lti(body.get(claims.ROLES) or []),
            context_id=context.get("id"),
            context_title=display_text(context.get("title"), TITLE_LIMIT)
            or display_text(context.get("label"), TITLE_LIMIT)
            or context.get("id"),
            context_label=display_text(context.get("label"), LABEL_LIMIT),
            resource_link_id=resource_link.get("id"),
            target_link_uri=body.get(claims.TARGET_LINK_URI),
            custom=dict(body.get(claims.CUSTOM) or {}),
            ags_lineitems_url=(body.get(claims.AGS_ENDPOINT) or {}).get("lineitems"),
            ags_scopes=tuple((body.get(claims.AGS_ENDPOINT) or {}).get("scope") or ()),
            nrps_url=(body.get(claims.NRPS) or {}).get("context_memberships_url"),
            return_url=_text(body.get(claims.LAUNCH_PRESENTATION), "return_url"),
            platform_url=_text(body.get(claims.TOOL_PLATFORM), "url"),
        )
