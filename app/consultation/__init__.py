"""Weekly consultation after the training: schedules, rosters, attendance, calendar feeds."""

from flask import Blueprint

bp = Blueprint("consultation", __name__, url_prefix="/consultation", template_folder="templates")

from app.consultation import routes  # noqa: E402,F401 (routes attach themselves to bp)
