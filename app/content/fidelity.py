"""Loading the IMR Fidelity Scale (rubrics/fidelity-scale.yaml), every error named by file and line."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

from app.content.loader import ID_PATTERN
from app.content.model import Catalog
from app.content.source import Checker, ContentError, ContentInvalid, parse_yaml_file
from app.domain.fidelity import FidelityItem, FidelityScale

KEYS = {"id", "title", "review_every_months", "classes", "items"}
ITEM_KEYS = {"id", "title", "confirmed", "modules", "anchors"}
OPTIONAL_ITEM_KEYS = {"criterion"}


def load_fidelity_scale(path: Path, catalog: Catalog) -> FidelityScale:
    """The scale; raises ContentInvalid listing every problem (unknown modules included)."""
    file = f"{path.parent.name}/{path.name}"
    errors: list[ContentError] = []
    located = parse_yaml_file(path, file)
    check = Checker(file, located, errors)
    data = located.data
    if not check.keys(data, KEYS, KEYS):
        raise ContentInvalid(errors)
    classes = []
    for index, entry in enumerate(data.get("classes") or []):
        if check.keys(entry, {"from", "label"}, {"from", "label"}, "classes", index):
            classes.append((Fraction(str(entry["from"])), str(entry["label"])))
    if not classes or classes != sorted(classes, reverse=True) or classes[-1][0] > 1:
        check.error("classes must run from the highest threshold down to 1", "classes")
    items = []
    for index, item in enumerate(data.get("items") or []):
        where = ("items", index)
        if not check.keys(item, ITEM_KEYS | OPTIONAL_ITEM_KEYS, ITEM_KEYS, *where):
            continue
        if not ID_PATTERN.match(str(item["id"])):
            check.error("`id` must be lowercase words joined by hyphens", *where, "id")
        if not isinstance(item["confirmed"], bool):
            check.error("`confirmed` must be true or false", *where, "confirmed")
        anchors = check.texts(item, "anchors", 5, 5, *where)
        for position, module in enumerate(item.get("modules") or []):
            if catalog.module(module) is None:
                check.error(
                    f"module `{module}` does not exist in courses/", *where, "modules", position
                )
        items.append(
            FidelityItem(
                str(item["id"]),
                check.text(item, "title", *where),
                item["confirmed"] is True,
                tuple(item.get("modules") or ()),
                anchors,
                check.text(item, "criterion", *where),
            )
        )
    if len({i.id for i in items}) != len(items):
        check.error("item ids must be unique", "items")
    if errors:
        raise ContentInvalid(errors)
    return FidelityScale(
        str(data["id"]),
        check.text(data, "title"),
        int(data["review_every_months"]),
        tuple(classes),
        tuple(items),
    )
