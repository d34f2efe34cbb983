"""How hard a handout or leaflet is to read: the Flesch-Kincaid grade of its reading text.

Handouts and leaflets are read by people in recovery and their supporters, so they are written
in plain language (grade 6 or lower; above 7 is refused). The grade comes from the maintained
`textstat` library, the same one a writer runs while writing, on the text `reading_text` takes.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import textstat

from app.domain.toolkit import Section, reading_grade_problem, reading_text


@dataclass(frozen=True)
class Readability:
    """The grade and the number of words of a reading text."""

    grade: float
    words: int

    def problem(self, what: str) -> str | None:
        return reading_grade_problem(self.grade, what)


def flesch_kincaid_grade(text: str) -> float:
    """The US school grade a reader needs for the text (0 for no text)."""
    return round(float(textstat.flesch_kincaid_grade(text)), 1) if text.strip() else 0.0


def readability(sections: Iterable[Section]) -> Readability:
    """The readability of every text, bullets, steps and questions block of the sections."""
    text = reading_text(sections)
    return Readability(flesch_kincaid_grade(text), len(text.split()))
