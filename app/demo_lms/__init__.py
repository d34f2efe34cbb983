"""The demo LMS: launch IMR Academy as each role, through the real LTI 1.3 flow (development only)."""

from flask import Blueprint

bp = Blueprint("demo_lms", __name__, url_prefix="/demo-lms", template_folder="templates")

from app.demo_lms import routes  # noqa: E402,F401 (routes attach themselves to bp)
