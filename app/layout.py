"""What every page's frame shows: who is signed in, where, in which role, the role's navigation,
and times and dates written as people read them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import urlencode

from flask import Flask, g, request, url_for
from markupsafe import Markup

from app.auth import current_identity
from app.domain.certificates import date_in_words
from app.domain.consultation import local_wall_time
from app.domain.paging import SIZES
from app.domain.roles import Role, switchable
from app.extensions import db
from app.home.forms import SwitchRoleForm
from app.models.people import Person
from app.models.tenancy import Cohort, Organisation
from app.services.policies import policy_of


@dataclass(frozen=True)
class Place:
    """One entry of a role's navigation bar: its page, and the endpoints that belong under it."""

    label: str
    endpoint: str
    under: tuple[str, ...] = ()

    def current(self, endpoint: str | None) -> str | None:
        """aria-current for this entry: `page` on its own page, `true` on a page beneath it."""
        if endpoint == self.endpoint:
            return "page"
        if endpoint and any(endpoint.startswith(prefix) for prefix in self.under):
            return "true"
        return None


NAVIGATION: dict[Role, tuple[Place, ...]] = {
    Role.PRACTITIONER: (
        Place("Home", "home.practitioner"),
        Place("Training", "training.overview", ("training.",)),
        Place("Quizzes", "quizzes.index", ("quizzes.",)),
        Place("Certification", "certification.mine", ("certification.",)),
        Place("Consultation", "consultation.mine", ("consultation.",)),
        Place("Toolkit", "toolkit.index", ("toolkit.",)),
    ),
    Role.TRAINER: (
        Place("Home", "home.trainer"),
        Place("Training progress", "training.cohort", ("training.", "certification.signoff")),
        Place("Quiz results", "quizzes.results", ("quizzes.",)),
        Place("Consultation", "consultation.index", ("consultation.",)),
        Place("Toolkit", "toolkit.index", ("toolkit.",)),
    ),
    Role.DIRECTOR: (
        Place("Home", "home.director"),
        Place("Programs", "programs.index", ("programs.",)),
        Place("Certification", "certification.dashboard", ("certification.",)),
        Place("Fidelity", "fidelity.index", ("fidelity.",)),
        Place("Quiz analysis", "quizzes.analysis", ("quizzes.",)),
        Place("Toolkit", "toolkit.index", ("toolkit.",)),
        Place("LMS connection", "connections.connection"),
    ),
}


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
        # Never from the request's body: on a 413 page reading it again raises once more.
        "switch_role_form": SwitchRoleForm(formdata=None),
        "navigation": [
            (place, place.current(request.endpoint)) for place in NAVIGATION[found.role]
        ],
    }


def longdate(day: date | str | None) -> str:
    """A date in words, as people read it on a public page: 1 December 2026."""
    if not day:
        return ""
    return date_in_words(date.fromisoformat(day) if isinstance(day, str) else day)


def viewer_zone() -> str:
    """The time zone of the person looking: their organisation's, or UTC when it has none."""
    if "imr_viewer_zone" not in g:
        found = current_identity()
        zone = policy_of(found.organisation_id).timezone if found else ""
        g.imr_viewer_zone = zone or "UTC"
    return g.imr_viewer_zone


def local(moment: datetime | None, zone: str | None = None) -> str:
    """A moment as people read it, with its zone named: 2 December 2026, 14:05 CET.

    In the viewer's zone unless another is given (a consultation session keeps its group's).
    """
    if moment is None:
        return ""
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    there = local_wall_time(aware, zone or viewer_zone())
    name = there.tzname() or ""
    named = f"UTC{name}" if name.startswith(("+", "-")) else name
    return f"{longdate(there.date())}, {there:%H:%M} {named}"


def local_time(moment: datetime | None, zone: str | None = None) -> Markup:
    """A moment as `local` writes it, inside <time> with its UTC instant, so local-time.js can
    rewrite it in the browser's own zone; without script the organisation's time stays."""
    if moment is None:
        return Markup("")
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return Markup('<time datetime="{}" data-local-time>{}</time>').format(
        aware.astimezone(UTC).isoformat(), local(aware, zone)
    )


def page_url(**changes: object) -> str:
    """This page's own URL with some query parameters changed, for pagers and sortable headers.

    The query is encoded here, not passed to url_for as keywords: a visitor's `?endpoint=`,
    `?_method=` or a name the path already holds would collide with url_for's arguments.
    """
    in_path = request.view_args or {}
    args: dict[str, Any] = {**request.args.to_dict(), **changes}
    path = url_for(request.endpoint or "", **in_path)
    query = urlencode(
        {name: value for name, value in args.items() if value is not None and name not in in_path}
    )
    return f"{path}?{query}" if query else path


def init_layout(app: Flask) -> None:
    """Give every template the frame's facts, times and dates in words, and links to its other pages."""
    app.context_processor(_layout)
    app.add_template_filter(longdate)
    app.add_template_filter(local)
    app.add_template_filter(local_time)
    app.add_template_global(page_url)
    app.jinja_env.globals["page_sizes"] = SIZES
