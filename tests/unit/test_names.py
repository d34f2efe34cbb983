"""Names a reader cannot tell apart count as one name."""

from __future__ import annotations

import pytest

from app.domain.names import same_name


@pytest.mark.parametrize(
    "other",
    ["ÉQUIPE MOBILE", "équipe mobile", "E\u0301quipe mobile", "  Équipe   mobile "],
)
def test_case_composition_and_spacing_do_not_make_another_name(other):
    assert same_name("Équipe mobile", other)


def test_different_letters_are_different_names():
    assert not same_name("Equipe mobile", "Équipe mobile")
    assert not same_name("Harbour House", "Harbour Houses")
    assert same_name("ＥＱＵＩＰＥ", "equipe"), "full-width letters read as the same letters"
