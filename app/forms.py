"""Form helpers shared by the blueprints."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from typing import TypeVar

from flask import abort
from wtforms import Field, Form

# WTForms 3.3 added SelectChoice; the types-WTForms stubs predate it.
from wtforms.fields.choices import SelectChoice  # type: ignore[attr-defined]
from wtforms.validators import ValidationError

WHOLE_NUMBER = re.compile(r"[0-9]{1,9}")
# C0 and C1 controls and the Unicode line and paragraph separators; a no-break space is fine.
CONTROL_CHARACTER = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
# Embeddings, overrides and isolates: they make printed text read in another order than typed.
DIRECTION_CONTROL = re.compile("[\u202a-\u202e\u2066-\u2069]")
Value = TypeVar("Value")


def validated(value: Value | None) -> Value:
    """A required field's value once its form has validated (InputRequired or DataRequired make
    it present); WTForms types every field's data as optional."""
    if value is None:
        raise ValueError("A required field was read from a form that did not validate.")
    return value


def whole_number(text: str | None) -> int | None:
    """The number a field holds, or None: only ASCII digits count ("²".isdigit() is true)."""
    value = (text or "").strip()
    return int(value) if WHOLE_NUMBER.fullmatch(value) else None


def posted_rating(title: str, given: str) -> int | None:
    """A rating from a form: empty is unrated; anything but a whole number is a 400 naming the item."""
    if not given.strip():
        return None
    rating = whole_number(given)
    if rating is None:
        abort(400, f"The rating for “{title}” must be a whole number from 1 to 5.")
    return rating


def options(pairs: Iterable[tuple[object, str]]) -> list[SelectChoice]:
    """Choices for select, radio and checkbox fields, as WTForms 3.3+ wants them."""
    return [SelectChoice(value, label) for value, label in pairs]


class OneLine:
    """A name, title or place typed on one line: a tab or line break pasted in from a
    spreadsheet would be printed on certificates, headings and exports as it came."""

    def __init__(self, what: str) -> None:
        self.what = what

    def __call__(self, form: Form, field: Field) -> None:
        text = field.data
        if not isinstance(text, str) or not text:
            return
        if CONTROL_CHARACTER.search(text):
            raise ValidationError(
                f"{self.what} must be on one line, without tabs or other control characters."
            )
        if DIRECTION_CONTROL.search(text):
            raise ValidationError(
                f"{self.what} must not hold the invisible characters that change the direction "
                "text reads in (they are often pasted along with the text): type it again."
            )
        if not any(_visible(character) for character in text):
            raise ValidationError(f"{self.what} must have letters or numbers, not only blanks.")


def _visible(character: str) -> bool:
    """Whether a character prints: not a space of any kind and not a format character (the
    zero-width space, joiners, direction marks)."""
    return not character.isspace() and unicodedata.category(character) != "Cf"
