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
from tests.support.content import content_changed, content_of

VALID = ROOT_DIR / "tests" / "fixtures" / "toolkit-v2" / "valid"


@contextmanager
def fixture_toolkit(app: Flask) -> Iterator[Toolkit]:
    real = content_of(app)
    fixture = load_toolkit(VALID, real.catalog, real.rubric)
    kept = [i for i in real.toolkit.items if i.kind in {ItemKind.WORKSHEET, ItemKind.CHECKLIST}]
    items = {item.id: item for item in kept} | {item.id: item for item in fixture.items}
    with content_changed(app, toolkit=Toolkit(tuple(items.values()), fixture.sessions)) as changed:
        yield changed.toolkit
