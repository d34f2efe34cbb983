"""Connecting an LMS: dynamic registration, the setup values, approval, and the director's view."""

from flask import Blueprint

bp = Blueprint("connections", __name__, template_folder="templates")

from app.connections import routes  # noqa: E402,F401 (routes attach themselves to bp)
