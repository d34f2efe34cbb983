"""Browser fixtures for the web tests: one chromium per module, a fresh context per test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.browser import chromium, fresh_page
from tests.support.demo import seed


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    yield from chromium()


@pytest.fixture
def page(browser) -> Iterator[object]:
    yield from fresh_page(browser, 1200, 1100)


@pytest.fixture
def seeded_demo(app, live_server: str) -> str:
    """The live server with the demo organisation seeded as `make run` leaves it; its address."""
    seed(app)
    return live_server
