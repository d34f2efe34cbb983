"""Form helpers shared by the blueprints."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TypeVar

from flask import abort

# WTForms 3.3 added SelectChoice; the types-WTForms stubs predate it.
from wtforms.fields.choices import SelectChoice  # type: ignore[attr-defined]

WHOLE_NUMBER = re.compile(r"[0-9]{1,9}")
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
