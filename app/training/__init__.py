"""The five-day intensive training: modules, practice, progress, and placing it in the LMS."""

from flask import Blueprint

bp = Blueprint("training", __name__, url_prefix="/training", template_folder="templates")


@bp.record_once
def _topic_names(state) -> None:
    """Topic area names as a template global, so imported macros see them too."""
    from app.content.model import TOPIC_AREAS

    state.app.jinja_env.globals["topic_names"] = TOPIC_AREAS


from app.training import routes  # noqa: E402,F401 (routes attach themselves to bp)
