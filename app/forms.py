"""Form helpers shared by the blueprints."""

from __future__ import annotations

from collections.abc import Iterable

from wtforms.fields.choices import SelectChoice


def options(pairs: Iterable[tuple[object, str]]) -> list[SelectChoice]:
    """Choices for select, radio and checkbox fields, as WTForms 3.3+ wants them."""
    return [SelectChoice(value, label) for value, label in pairs]  # type: ignore[arg-type]
