"""Program fidelity reviews every six months on the IMR Fidelity Scale (directors)."""

from flask import Blueprint

bp = Blueprint("fidelity", __name__, url_prefix="/fidelity", template_folder="templates")

from app.fidelity import routes  # noqa: E402,F401 (routes attach themselves to bp)
