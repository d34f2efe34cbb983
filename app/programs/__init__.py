"""Directors arrange their organisation's cohorts into IMR programs."""

from flask import Blueprint

bp = Blueprint("programs", __name__, url_prefix="/director", template_folder="templates")

from app.programs import routes  # noqa: E402,F401 (routes attach themselves to bp)
