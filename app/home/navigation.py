"""Where each role lands after a launch."""

from __future__ import annotations

from flask import url_for

from app.domain.roles import Role

_HOME_ENDPOINT = {
    Role.PRACTITIONER: "home.practitioner",
    Role.TRAINER: "home.trainer",
    Role.DIRECTOR: "home.director",
}


def landing_url(role: Role) -> str:
    """The home page of a role."""
    return url_for(_HOME_ENDPOINT[role])
