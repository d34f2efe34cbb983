"""Who someone is in IMR Academy: practitioner, trainer or director, and which role a session acts in.

Which LMS roles grant them is the LTI adapter's business (app/lti/roles.py).
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum


class Role(StrEnum):
    """The three kinds of people IMR Academy serves, weakest first."""

    PRACTITIONER = "practitioner"
    TRAINER = "trainer"
    DIRECTOR = "director"

    @property
    def rank(self) -> int:
        """Higher is stronger: a launch lands on the strongest role the person holds."""
        return list(Role).index(self)

    @property
    def label(self) -> str:
        """The word people see in the interface."""
        return self.value.capitalize()


def strongest(roles: Iterable[Role]) -> Role | None:
    """The role a launch lands on, or None when the person holds none of ours."""
    return max(roles, key=lambda role: role.rank, default=None)


COURSE_ROLES = frozenset({Role.PRACTITIONER, Role.TRAINER})


def switchable(held: Iterable[Role], current: Role, *, in_course: bool) -> list[Role]:
    """Other roles this launch granted, strongest first.

    A trainer who is also enrolled as a Learner switches down to see the practitioner's view,
    and back up again: both roles came from the same signed launch, so neither is an escalation.
    Practitioner and trainer work inside a course, so a launch without one offers neither.
    """
    others = (role for role in held if role != current and (in_course or role not in COURSE_ROLES))
    return sorted(others, key=lambda role: role.rank, reverse=True)


def after_roster(held: Role, listed: Role, *, launched: bool) -> Role:
    """The role an enrolment keeps when the LMS's course roster lists the person as `listed`.

    A launch carries every role the person holds at that moment; a roster lists course
    membership only (Moodle lists a manager who launched as an administrator as a mere
    Instructor). So a roster may raise a role a launch granted but never lower it: the person's
    next launch sets it again, up or down. An enrolment no launch ever made follows the roster.
    """
    return max(held, listed, key=lambda role: role.rank) if launched else listed


def held_outside_the_course(role: Role) -> bool:
    """Whether this place in a cohort comes from the organisation rather than the course.

    Only administrator roles (institution, system) make a director, and a director oversees
    every cohort of the organisation, enrolled in the course or not (Moodle's site
    administrator). A course roster that does not list them says nothing about their access.
    """
    return role is Role.DIRECTOR
