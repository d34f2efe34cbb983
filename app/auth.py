"""Who is making this request, in which organisation, course and role, checked on every route.

The identity is written once, at a validated LTI launch, into the signed session cookie; nothing
else can create it. It is checked again on every request: a session ends after the configured
idle time (the cookie's signed age) and absolute time, and the moment the person loses what the
launch gave them (the roster marks them as having left, or a later launch gives a lesser role).

Every view declares the roles it serves with `role_required`, and every object a view loads by
id comes through `load_owned`, the one loader that checks whose the object is: one
organisation's people never reach another's data, and trainers and practitioners only their own
cohort's and their own.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import wraps
from typing import Any, NoReturn, Protocol, TypeVar

from flask import abort, current_app, g, session
from flask_login import current_user, login_user, logout_user

from app.domain.identity import Identity
from app.domain.roles import Role, switchable
from app.extensions import db, login_manager
from app.models.base import Owner
from app.models.people import Person
from app.services.people import granting_access, practitioner_in_cohort

SESSION_KEY = "imr_identity"
STARTED_KEY = "imr_started"
FRAMES_KEY = "imr_frames"
SIGN_OUTS_KEY = "imr_sign_outs"
F = TypeVar("F", bound=Callable[..., Any])


class Owned(Protocol):
    """A row that knows whose it is (see app.models.base.Owner)."""

    @property
    def owner(self) -> Owner: ...


OwnedRow = TypeVar("OwnedRow", bound=Owned)


@login_manager.user_loader
def _load_person(person_id: str) -> Person | None:
    return db.session.get(Person, int(person_id))


def start_session(person: Person, identity: Identity, frame_origins: list[str]) -> None:
    """Replace whatever session the browser had with this launch's (no fixation, no mixing)."""
    session.clear()
    session.permanent = True  # the cookie's signed age then enforces the idle limit
    login_user(person)
    session[SESSION_KEY] = identity.to_session()
    session[STARTED_KEY] = int(time.time())
    session[FRAMES_KEY] = frame_origins
    session[SIGN_OUTS_KEY] = person.sign_outs
    g.imr_identity = identity


def end_session() -> None:
    """Forget the launch: the next request needs a new one from the LMS."""
    logout_user()
    session.clear()
    g.imr_identity = None


def as_a_visitor() -> None:
    """The rest of this request is answered as to a visitor, without asking who they are: the
    database that knows is not answering. The session itself is kept for the next request.

    Flask-Login keeps the request's user in `g._login_user` (0.6), and its template context
    would otherwise load the person again from that database.
    """
    g.imr_identity = None
    g._login_user = login_manager.anonymous_user()


def _why_ended(found: Identity) -> str | None:
    """Why this session may not go on, in words for the person; None while it is good."""
    settings = current_app.config["IMR_SETTINGS"]
    if time.time() - session.get(STARTED_KEY, 0) > settings.session_absolute_hours * 3600:
        return (
            f"Sessions last at most {settings.session_absolute_hours} hours. Open IMR Academy "
            "again from your course to carry on."
        )
    # Held in g for the request: the row keeps the person, course and organisation it loaded.
    g.imr_access = granting_access(
        found.person_id, found.organisation_id, found.cohort_id, found.role
    )
    if g.imr_access is None:
        return (
            "Your access has changed since you opened IMR Academy: you may have left the course, "
            "or your role in it changed. Open IMR Academy again from your course."
        )
    if session.get(SIGN_OUTS_KEY, 0) < g.imr_access.person.sign_outs:
        return "You signed out of IMR Academy. Open it again from your course to carry on."
    return None


def _checked_identity() -> Identity | None:
    data = session.get(SESSION_KEY)
    if not data:
        return None
    found = Identity.from_session(data)
    ended = _why_ended(found)  # first: its statement also loads the person current_user needs
    if ended is not None:
        end_session()
        g.imr_session_ended = ended
        return None
    return found if current_user.is_authenticated else None


def current_identity() -> Identity | None:
    """This request's identity (checked once per request), or None when nobody launched."""
    if "imr_identity" not in g:
        g.imr_identity = _checked_identity()
    return g.imr_identity


def frame_origins() -> list[str] | None:
    """The LMS origins this session's pages may be framed by, or None without a session."""
    return session.get(FRAMES_KEY) if current_identity() is not None else None


def _unauthorised() -> NoReturn:
    abort(401, g.get("imr_session_ended") or None)


def identity() -> Identity:
    """The identity of a route that role_required already guards."""
    found = current_identity()
    if found is None:
        _unauthorised()
    return found


def course_id() -> int:
    """This session's cohort; a 400 saying what to do when IMR Academy was opened outside a
    course (only a director's launch may be)."""
    cohort_id = identity().cohort_id
    if cohort_id is None:
        abort(400, "Open IMR Academy from inside a course to see this page.")
    return cohort_id


def switch_role(target: Role) -> Identity:
    """Change the role of this session to another one the same launch granted."""
    current = identity()
    allowed = switchable(current.roles, current.role, in_course=current.cohort_id is not None)
    if target not in allowed:
        abort(403)
    changed = Identity(**{**current.__dict__, "role": target})
    session[SESSION_KEY] = changed.to_session()
    g.imr_identity = changed
    return changed


def role_required(*roles: Role) -> Callable[[F], F]:
    """Serve the view only to a launched session in one of these roles (401 or 403 otherwise)."""

    def decorate(view: F) -> F:
        @wraps(view)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            found = current_identity()
            if found is None:
                _unauthorised()
            elif found.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return guarded  # type: ignore[return-value]  # the wrapper keeps the view's signature

    return decorate


def may_load(me: Identity, owner: Owner) -> bool:
    """Whether this session may see a row with this owner.

    Directors see their whole organisation. A practitioner sees what is theirs, and what belongs
    to their cohort as a whole. A trainer sees their cohort's rows, and rows of a practitioner
    of their cohort.
    """
    if owner.organisation_id != me.organisation_id:
        return False
    if me.role is Role.DIRECTOR:
        return True
    if owner.person_id is not None:
        if me.role is Role.PRACTITIONER:
            return owner.person_id == me.person_id
        if owner.cohort_id is not None:
            return owner.cohort_id == me.cohort_id
        return practitioner_in_cohort(me.cohort_id or 0, owner.person_id) is not None
    return owner.cohort_id is not None and owner.cohort_id == me.cohort_id


def load_owned(model: type[OwnedRow], object_id: int, missing: str | None = None) -> OwnedRow:
    """The one way a view loads a scoped object by id: 404 unless this session may see it."""
    found = db.session.get(model, object_id)
    if found is None or not may_load(identity(), found.owner):
        abort(404, missing)
    return found
