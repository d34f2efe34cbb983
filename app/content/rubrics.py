"""Loading the competency sign-off rubric (rubrics/), every error named by file and line."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path
from typing import Any

from app.content.loader import ID_PATTERN
from app.content.source import Checker, ContentError, ContentInvalid, parse_yaml_file
from app.domain.certification import SESSION_FORMATS, Rubric, RubricItem

KEYS = {"id", "title", "pass_mean", "bands", "items"}
ITEM_KEYS = {"id", "title", "required", "formats", "minimum", "guide", "levels"}
ITEM_REQUIRED = ITEM_KEYS - {"minimum"}
LEVELS = range(1, 6)


def load_rubric(path: Path) -> Rubric:
    """The rubric in one YAML file; raises ContentInvalid listing every problem."""
    file = f"{path.parent.name}/{path.name}"
    errors: list[ContentError] = []
    located = parse_yaml_file(path, file)
    check = Checker(file, located, errors)
    data = located.data
    if not check.keys(data, KEYS, KEYS):
        raise ContentInvalid(errors)
    bands = []
    for index, band in enumerate(data.get("bands") or []):
        if check.keys(band, {"from", "label"}, {"from", "label"}, "bands", index):
            bands.append((Fraction(str(band["from"])), str(band["label"])))
    if [b[0] for b in bands] != sorted(b[0] for b in bands) or not bands or bands[0][0] > 1:
        check.error("bands must start at 1 and rise in order", "bands")
    items = _items(check, data.get("items"))
    for session_format in SESSION_FORMATS:
        if not any(item.required and item.applies_to(session_format) for item in items):
            check.error(
                f"the rubric needs a required item rated in {session_format} sessions", "items"
            )
    mean = data.get("pass_mean")
    if not isinstance(mean, int | float) or not 1 <= mean <= 5:
        check.error("`pass_mean` must be a number from 1 to 5", "pass_mean")
    if errors:
        raise ContentInvalid(errors)
    return Rubric(
        str(data["id"]), check.text(data, "title"), Fraction(str(mean)), tuple(bands), tuple(items)
    )


def _items(check: Checker, raw: Any) -> list[RubricItem]:
    if not isinstance(raw, list):
        check.error("`items` must be a list of rubric items", "items")
        return []
    items, seen = [], set()
    for index, item in enumerate(raw):
        if not check.keys(item, ITEM_KEYS, ITEM_REQUIRED, "items", index):
            continue
        where = ("items", index)
        if not ID_PATTERN.match(str(item.get("id"))) or item.get("id") in seen:
            check.error(
                f"item id `{item.get('id')}` must be unique lowercase words joined by hyphens",
                *where,
                "id",
            )
        seen.add(item.get("id"))
        if not isinstance(item.get("required"), bool):
            check.error("`required` must be true or false", *where, "required")
        items.append(
            RubricItem(
                str(item.get("id")),
                check.text(item, "title", *where),
                item.get("required") is True,
                check.text(item, "guide", *where),
                _formats(check, item.get("formats"), *where),
                _minimum(check, item, *where),
                _levels(check, item.get("levels"), *where),
            )
        )
    return items


def _formats(check: Checker, raw: Any, *where: str | int) -> tuple[str, ...]:
    """The session formats an item is rated in; an item rated in none could never count."""
    allowed = ", ".join(SESSION_FORMATS)
    if raw is None:
        return SESSION_FORMATS  # a missing key is already reported
    if not isinstance(raw, list):
        check.error(f"`formats` must be a list of one or both of {allowed}", *where, "formats")
        return ()
    if not raw:
        check.error(
            f"the item applies to no session format: list one or both of {allowed}",
            *where,
            "formats",
        )
        return ()
    formats: list[str] = []
    for position, value in enumerate(raw):
        if value not in SESSION_FORMATS:
            check.error(
                f"unknown format `{value}` (allowed: {allowed})", *where, "formats", position
            )
        elif value in formats:
            check.error(f"format `{value}` is listed twice", *where, "formats", position)
        else:
            formats.append(value)
    return tuple(sorted(formats, key=SESSION_FORMATS.index))


def _minimum(check: Checker, item: dict[str, Any], *where: str | int) -> int | None:
    """The lowest rating that still passes; absent means the item has no floor of its own."""
    value = item.get("minimum")
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value not in LEVELS:
        check.error(
            f"`minimum` must be a whole number from 1 to 5, not `{value}` "
            "(leave it out for no minimum)",
            *where,
            "minimum",
        )
        return None
    return value


def _levels(check: Checker, raw: Any, *where: str | int) -> tuple[str, ...]:
    """A description for each rating 1 to 5, so trainers rate against behaviour, not impressions."""
    if raw is None:
        return ()  # a missing key is already reported
    if not isinstance(raw, dict):
        check.error("`levels` must map each rating 1 to 5 to a description", *where, "levels")
        return ()
    for key in raw:
        if type(key) is not int or key not in LEVELS:
            check.error(f"level `{key}` is not a rating from 1 to 5", *where, "levels", str(key))
    descriptions = []
    for level in LEVELS:
        text = raw.get(level)
        if text is None:
            check.error(
                f"missing level {level}: describe every rating from 1 to 5", *where, "levels"
            )
        elif not isinstance(text, str) or not text.strip():
            check.error(
                f"level {level} must be a non-empty description", *where, "levels", str(level)
            )
        else:
            descriptions.append(" ".join(text.split()))
    return tuple(descriptions)
