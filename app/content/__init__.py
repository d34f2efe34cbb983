"""All content (courses/, quizzes/, rubrics/, toolkit/) as one immutable value, loaded once.

Nothing here imports Flask: the CLI, the app and the tests load content the same way, and every
part is validated with errors that name the file and line before anything is served.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from types import MappingProxyType

from app.content.fidelity import load_fidelity_scale
from app.content.loader import load_catalog
from app.content.model import Catalog
from app.content.quizzes import load_quizzes
from app.content.rubrics import load_rubric
from app.content.toolkit import load_toolkit
from app.domain.certification import Rubric
from app.domain.fidelity import FidelityScale
from app.domain.quizzes import QuizBank
from app.domain.toolkit import Toolkit


@dataclass(frozen=True)
class Content:
    """The training, the quiz banks, the sign-off rubric, the fidelity scale and the toolkit."""

    catalog: Catalog
    quizzes: Mapping[str, QuizBank]
    rubric: Rubric
    fidelity_scale: FidelityScale
    toolkit: Toolkit

    def with_quiz(self, bank: QuizBank) -> Content:
        """The same content with one more (or one replaced) quiz bank: for tools and tests."""
        return replace(self, quizzes=MappingProxyType({**self.quizzes, bank.id: bank}))


@dataclass(frozen=True)
class ContentPaths:
    """Where each part of the content lives."""

    courses: Path
    quizzes: Path
    rubric: Path
    fidelity_scale: Path
    toolkit: Path


def load_content(paths: ContentPaths) -> Content:
    """Load and validate everything; ContentInvalid (with file:line errors) if any part is wrong."""
    catalog = load_catalog(paths.courses)
    rubric = load_rubric(paths.rubric)
    return Content(
        catalog=catalog,
        quizzes=MappingProxyType(load_quizzes(paths.quizzes, catalog)),
        rubric=rubric,
        fidelity_scale=load_fidelity_scale(paths.fidelity_scale, catalog),
        toolkit=load_toolkit(paths.toolkit, catalog, rubric),
    )
