"""Who someone is in IMR Academy, read from the LTI roles the LMS sends.

A Learner in the course is a practitioner in training; the course's teaching staff are trainers;
administrators are the program directors who oversee certification across the organisation.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

LIS = "http://purl.imsglobal.org/vocab/lis/v2/"


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


# LTI 1.3 role URIs (and the short context-role names the core spec still allows) by IMR role.
_ROLE_BY_LTI_ROLE: dict[str, Role] = {
    f"{LIS}membership#Learner": Role.PRACTITIONER,
    f"{LIS}membership#Instructor": Role.TRAINER,
    f"{LIS}membership/Instructor#TeachingAssistant": Role.TRAINER,
    f"{LIS}membership#ContentDeveloper": Role.TRAINER,
    f"{LIS}membership#Administrator": Role.DIRECTOR,
    f"{LIS}institution/person#Administrator": Role.DIRECTOR,
    f"{LIS}system/person#Administrator": Role.DIRECTOR,
    "Learner": Role.PRACTITIONER,
    "Instructor": Role.TRAINER,
    "ContentDeveloper": Role.TRAINER,
    "Administrator": Role.DIRECTOR,
}


def _principal(lti_role: str) -> str:
    """`membership/Learner#NonCreditLearner` → `membership#Learner`: sub-roles count as their principal."""
    if lti_role.startswith(f"{LIS}membership/") and "#" in lti_role:
        principal = lti_role[len(f"{LIS}membership/") :].split("#", 1)[0]
        if lti_role not in _ROLE_BY_LTI_ROLE:
            return f"{LIS}membership#{principal}"
    return lti_role


def roles_from_lti(lti_roles: Iterable[str]) -> frozenset[Role]:
    """The IMR roles a person holds in one launch; unknown LTI roles (Mentor, Guest…) give none."""
    found = (_ROLE_BY_LTI_ROLE.get(_principal(role.strip())) for role in lti_roles)
    return frozenset(role for role in found if role is not None)


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
