"""Changing the app's settings for the length of a test, as an operator would configure them."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask

from config import Settings


@contextmanager
def configured(app: Flask, **changes: object) -> Iterator[Settings]:
    """The app's settings with some changed, for the length of a `with` block."""
    original = app.config["IMR_SETTINGS"]
    app.config["IMR_SETTINGS"] = original.with_overrides(**changes)
    try:
        yield app.config["IMR_SETTINGS"]
    finally:
        app.config["IMR_SETTINGS"] = original
