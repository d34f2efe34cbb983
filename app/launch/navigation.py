"""Where each role lands after a launch."""

from __future__ import annotations

from flask import url_for

from app.domain.roles import Role
from app.extensions import content
from app.forms import whole_number

_HOME_ENDPOINT = {
    Role.PRACTITIONER: "home.practitioner",
    Role.TRAINER: "home.trainer",
    Role.DIRECTOR: "home.director",
}


def landing_url(role: Role) -> str:
    """The home page of a role."""
    return url_for(_HOME_ENDPOINT[role])


def item_url(item: str | None) -> str | None:
    """Where a deep-linked LMS item (`training`, `day:N`, `module:id`, `toolkit:id`, or
    `toolkit:id@group` for a handout's group version) opens, if it still exists.

    A trainer's guide item opens for trainers and directors; the page itself refuses anyone else.
    """
    catalog = content().catalog
    kind, _, key = (item or "").partition(":")
    if kind == "training" and not key:
        return url_for("training.overview")
    number = whole_number(key)
    if kind == "day" and number is not None and catalog.day(number):
        return url_for("training.day", number=number)
    if kind == "module" and catalog.module(key):
        return url_for("training.module", module_id=key)
    if kind == "toolkit":
        item_id, _, version = key.partition("@")
        found = content().toolkit.item(item_id)
        if found and version == "group" and found.has_group_version:
            return url_for("toolkit.item", item_id=item_id, version="group")
        if found and not version:
            return url_for("toolkit.item", item_id=item_id)
    return None
