"""The app's content in tests: read it, or swap a part of it for the length of a block."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from typing import Any

from flask import Flask

from app.content import Content


def content_of(app: Flask) -> Content:
    """The content the app loaded (courses, quizzes, rubrics, toolkit)."""
    return app.extensions["imr_content"]


@contextmanager
def content_changed(app: Flask, **parts: Any) -> Iterator[Content]:
    """The app serving changed content (a fixture toolkit, an extra quiz) while the block runs."""
    original = content_of(app)
    app.extensions["imr_content"] = replace(original, **parts)
    try:
        yield app.extensions["imr_content"]
    finally:
        app.extensions["imr_content"] = original
