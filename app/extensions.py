"""The Flask extensions, created unbound here and bound to an app in create_app(), and the content."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from flask import current_app
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import CursorResult, Executable

from app.models.base import Base

if TYPE_CHECKING:
    from app.content import Content

db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()


def rows_changed(statement: Executable) -> int:
    """How many rows a conditional UPDATE changed: who won a claim that two requests raced for."""
    return cast(CursorResult[Any], db.session.execute(statement)).rowcount


def content() -> Content:
    """The running app's content (courses, quizzes, rubrics, toolkit): the one accessor."""
    return current_app.extensions["imr_content"]
