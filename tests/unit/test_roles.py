"""Reading IMR roles from LTI roles."""

from __future__ import annotations

import pytest

from app.domain.roles import Role, after_roster, held_outside_the_course, strongest, switchable
from app.lti.roles import roles_from_lti

LIS = "http://purl.imsglobal.org/vocab/lis/v2/"
P, T, D = Role.PRACTITIONER, Role.TRAINER, Role.DIRECTOR


@pytest.mark.parametrize(
    ("lti_roles", "expected"),
    [
        ([f"{LIS}membership#Learner"], {P}),
        ([f"{LIS}membership/Learner#NonCreditLearner"], {P}),
        ([f"{LIS}membership#Instructor"], {T}),
        ([f"{LIS}membership/Instructor#TeachingAssistant"], {T}),
        ([f"{LIS}membership#ContentDeveloper"], {T}),
        ([f"{LIS}membership#Administrator"], {D}),
        ([f"{LIS}institution/person#Administrator"], {D}),
        ([f"{LIS}system/person#Administrator"], {D}),
        (["Learner", "Instructor"], {P, T}),
        ([f"{LIS}membership#Mentor", f"{LIS}institution/person#Student"], set()),
        ([f"{LIS}institution/person#Instructor"], set()),
        ([], set()),
    ],
)
def test_roles_from_lti(lti_roles, expected):
    assert roles_from_lti(lti_roles) == expected


def test_strongest_role_wins():
    assert strongest({P, T}) is T
    assert strongest({P, T, D}) is D
    assert strongest(set()) is None


def test_switching_offers_the_other_granted_roles_strongest_first():
    assert switchable({P, T, D}, D, in_course=True) == [T, P]
    assert switchable({P, T, D}, P, in_course=True) == [D, T]
    assert switchable({P}, P, in_course=True) == []


def test_course_roles_need_a_course():
    assert switchable({P, T, D}, D, in_course=False) == []


@pytest.mark.parametrize(
    ("held", "listed", "launched", "kept"),
    [
        (Role.DIRECTOR, Role.TRAINER, True, Role.DIRECTOR),  # Moodle lists a manager as Instructor
        (Role.TRAINER, Role.PRACTITIONER, True, Role.TRAINER),
        (Role.PRACTITIONER, Role.TRAINER, True, Role.TRAINER),  # a roster may raise
        (Role.TRAINER, Role.PRACTITIONER, False, Role.PRACTITIONER),  # never launched: the roster
    ],
)
def test_a_roster_never_lowers_a_role_a_launch_granted(held, listed, launched, kept):
    assert after_roster(held, listed, launched=launched) is kept


def test_only_a_directors_place_is_held_outside_the_course():
    assert [r for r in Role if held_outside_the_course(r)] == [Role.DIRECTOR]
