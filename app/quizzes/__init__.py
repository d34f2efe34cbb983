"""Competency quizzes: attempts, scoring, grades to the LMS, results and item analysis."""

from flask import Blueprint

bp = Blueprint("quizzes", __name__, url_prefix="/quizzes", template_folder="templates")

from app.quizzes import routes  # noqa: E402,F401 (routes attach themselves to bp)
