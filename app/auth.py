"""Who is making this request, in which organisation, course and role, checked on every route.

The identity is written once, at a validated LTI launch, into the signed session cookie; nothing
else can create it. Every view declares the roles it serves with `role_required`, and every
query that loads an object by id goes through `load_in_organisation`, so one organisation's
people never reach another's data.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from functools import wraps
from typing import Any, TypeVar

from flask import abort, session
from flask_login import current_user, login_user, logout_user

from app.domain.roles import Role, switchable
from app.extensions import db, login_manager
from app.models.people import Person

SESSION_KEY = "imr_identity"
F = TypeVar("F", bound=Callable[..., Any])
M = TypeVar("M")


@dataclass(frozen=True)
class Identity:
    """The launch that opened this session: person, organisation, cohort and role."""

    person_id: int
    organisation_id: int
    cohort_id: int | None
    role: Role
    roles: frozenset[Role]
    launch_id: str

    def to_session(self) -> dict[str, Any]:
        data = asdict(self)
        data["role"] = self.role.value
        data["roles"] = sorted(role.value for role in self.roles)
        return data

    @classmethod
    def from_session(cls, data: dict[str, Any]) -> Identity:
        return cls(
            person_id=data["person_id"],
            organisation_id=data["organisation_id"],
            cohort_id=data["cohort_id"],
            role=Role(data["role"]),
            roles=frozenset(Role(role) for role in data["roles"]),
            launch_id=data["launch_id"],
        )


@login_manager.user_loader
def _load_person(person_id: str) -> Person | None:
    return db.session.get(Person, int(person_id))


def start_session(person: Person, identity: Identity) -> None:
    """Replace whatever session the browser had with this launch's (no fixation, no mixing)."""
    session.clear()
    login_user(person)
    session[SESSION_KEY] = identity.to_session()


def end_session() -> None:
    """Forget the launch: the next request needs a new one from the LMS."""
    logout_user()
    session.clear()


def current_identity() -> Identity | None:
    """This request's identity, or None when nobody launched."""
    data = session.get(SESSION_KEY)
    if not data or not current_user.is_authenticated:
        return None
    return Identity.from_session(data)


def identity() -> Identity:
    """The identity of a route that role_required already guards."""
    found = current_identity()
    if found is None:
        abort(401)
    return found


def switch_role(target: Role) -> Identity:
    """Change the role of this session to another one the same launch granted."""
    current = identity()
    allowed = switchable(current.roles, current.role, in_course=current.cohort_id is not None)
    if target not in allowed:
        abort(403)
    changed = Identity(**{**current.__dict__, "role": target})
    session[SESSION_KEY] = changed.to_session()
    return changed


def role_required(*roles: Role) -> Callable[[F], F]:
    """Serve the view only to a launched session in one of these roles (401 or 403 otherwise)."""

    def decorate(view: F) -> F:
        @wraps(view)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            found = current_identity()
            if found is None:
                abort(401)
            if found.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return guarded  # type: ignore[return-value]

    return decorate


def load_in_organisation(model: type[M], object_id: int) -> M:
    """An object of the session's organisation by id; 404 for any other organisation's."""
    found = db.session.get(model, object_id)
    if found is None or found.organisation_id != identity().organisation_id:  # type: ignore[attr-defined]
        abort(404)
    return found
