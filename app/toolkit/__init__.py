"""The practitioner toolkit: session plans, worksheets and checklists, on screen and as PDFs."""

from flask import Blueprint

bp = Blueprint("toolkit", __name__, url_prefix="/toolkit", template_folder="templates")

from app.toolkit import routes  # noqa: E402,F401 (routes attach themselves to bp)
