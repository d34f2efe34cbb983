"""Certification: sign-off, eligibility, certificates, the director's view, and public verification."""

from flask import Blueprint

bp = Blueprint("certification", __name__, url_prefix="/certification", template_folder="templates")
verify_bp = Blueprint("verify", __name__, url_prefix="/verify", template_folder="templates")

from app.certificates import director, logo, routes, verify  # noqa: E402,F401 (routes attach themselves to the blueprints)
