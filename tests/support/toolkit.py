"""The small toolkit of tests/fixtures/toolkit-v2/valid, put in the running app for a test.

The real toolkit gets its handouts, sequences and trainer's guide from content work; these tests
need known ones whatever toolkit/ holds, so the app gets the fixture's items plus the real
worksheets and checklists (which other pages link to), and nothing else.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask

from app.content.toolkit import load_toolkit
from app.domain.toolkit import ItemKind, Toolkit
from config import ROOT_DIR

VALID = ROOT_DIR / "tests" / "fixtures" / "toolkit-v2" / "valid"


@contextmanager
def fixture_toolkit(app: Flask) -> Iterator[Toolkit]:
    real: Toolkit = app.extensions["imr_toolkit"]
    fixture = load_toolkit(VALID, app.extensions["imr_catalog"], app.extensions["imr_rubric"])
    kept = [i for i in real.items if i.kind in {ItemKind.WORKSHEET, ItemKind.CHECKLIST}]
    items = {item.id: item for item in kept} | {item.id: item for item in fixture.items}
    app.extensions["imr_toolkit"] = Toolkit(tuple(items.values()), fixture.sessions)
    try:
        yield app.extensions["imr_toolkit"]
    finally:
        app.extensions["imr_toolkit"] = real
