"""The LMS-facing web: login initiation, launch and key set, connecting an LMS, landing pages.

Two blueprints keep their endpoint names stable (`lti.login`, `connections.register`, …): LMSs
are configured with these URLs, and templates and tests refer to the endpoints.
"""

from flask import Blueprint

bp = Blueprint("lti", __name__, url_prefix="/lti", template_folder="templates")
connections_bp = Blueprint("connections", __name__, template_folder="templates")

from app.launch import connections, routes, storage  # noqa: E402,F401 (routes attach themselves)
