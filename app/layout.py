"""What every page's header shows: who is signed in, where, in which role, and the role menu."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Flask, request, url_for

from app.auth import current_identity
from app.domain.paging import SIZES
from app.domain.roles import switchable
from app.extensions import db
from app.home.forms import SwitchRoleForm
from app.models.people import Person
from app.models.tenancy import Cohort, Organisation


def _layout() -> dict[str, Any]:
    found = current_identity()
    if found is None:
        return {"identity": None}
    return {
        "identity": found,
        "me": db.session.get(Person, found.person_id),
        "organisation": db.session.get(Organisation, found.organisation_id),
        "current_cohort": db.session.get(Cohort, found.cohort_id) if found.cohort_id else None,
        "other_roles": switchable(found.roles, found.role, in_course=found.cohort_id is not None),
        "switch_role_form": SwitchRoleForm(),
    }


def longdate(day: date | str | None) -> str:
    """A date in words, as people read it on a public page: 1 December 2026."""
    if not day:
        return ""
    value = date.fromisoformat(day) if isinstance(day, str) else day
    return f"{value.day} {value:%B %Y}"


def page_url(**changes: object) -> str:
    """This page's own URL with some query parameters changed, for pagers and sortable headers."""
    args = {**request.args.to_dict(), **changes}
    return url_for(request.endpoint or "", **(request.view_args or {}), **args)


def init_layout(app: Flask) -> None:
    """Give every template the header's facts, dates in words, and links to its other pages."""
    app.context_processor(_layout)
    app.add_template_filter(longdate)
    app.add_template_global(page_url)
    app.add_template_global(SIZES, "page_sizes")
