"""Loading the competency sign-off rubric (rubrics/), every error named by file and line."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

from app.content.loader import ID_PATTERN
from app.content.source import Checker, ContentError, ContentInvalid, parse_yaml
from app.domain.certification import Rubric, RubricItem

KEYS = {"id", "title", "pass_mean", "bands", "items"}


def load_rubric(path: Path) -> Rubric:
    """The rubric in one YAML file; raises ContentInvalid listing every problem."""
    file = f"{path.parent.name}/{path.name}"
    errors: list[ContentError] = []
    located = parse_yaml(path.read_text(encoding="utf-8"), file)
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
    items, seen = [], set()
    for index, item in enumerate(data.get("items") or []):
        if not check.keys(
            item,
            {"id", "title", "required", "guide"},
            {"id", "title", "required", "guide"},
            "items",
            index,
        ):
            continue
        if not ID_PATTERN.match(str(item["id"])) or item["id"] in seen:
            check.error(
                f"item id `{item['id']}` must be unique lowercase words joined by hyphens",
                "items",
                index,
                "id",
            )
        if not isinstance(item["required"], bool):
            check.error("`required` must be true or false", "items", index, "required")
        seen.add(item["id"])
        items.append(
            RubricItem(
                str(item["id"]),
                check.text(item, "title", "items", index),
                item["required"] is True,
                check.text(item, "guide", "items", index),
            )
        )
    if not any(item.required for item in items):
        check.error("the rubric needs at least one required item", "items")
    mean = data.get("pass_mean")
    if not isinstance(mean, int | float) or not 1 <= mean <= 5:
        check.error("`pass_mean` must be a number from 1 to 5", "pass_mean")
    if errors:
        raise ContentInvalid(errors)
    return Rubric(
        str(data["id"]), check.text(data, "title"), Fraction(str(mean)), tuple(bands), tuple(items)
    )
