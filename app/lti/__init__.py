"""LTI 1.3: OIDC login, launch, the tool's key set, and platform registrations."""

from flask import Blueprint

bp = Blueprint("lti", __name__, url_prefix="/lti", template_folder="templates")

from app.lti import routes  # noqa: E402,F401 (routes attach themselves to bp)
