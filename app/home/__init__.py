"""Each role's home page and switching between the roles a launch granted."""

from flask import Blueprint

bp = Blueprint("home", __name__, template_folder="templates")

from app.home import routes  # noqa: E402,F401 (routes attach themselves to bp)
