"""LTI roles: which of IMR Academy's roles the LIS role URIs of a launch or a roster grant.

A Learner in the course is a practitioner in training; the course's teaching staff are trainers;
administrators are the program directors who oversee certification across the organisation.
"""

from __future__ import annotations

from collections.abc import Iterable

from app.domain.roles import Role

LIS = "http://purl.imsglobal.org/vocab/lis/v2/"


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
