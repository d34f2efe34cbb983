"""The five-day intensive training: modules, practice, progress, and placing it in the LMS."""

from flask import Blueprint

bp = Blueprint("training", __name__, url_prefix="/training", template_folder="templates")


@bp.app_context_processor
def _topic_names() -> dict[str, object]:
    from app.content.model import TOPIC_AREAS

    return {"topic_names": TOPIC_AREAS}


from app.training import routes  # noqa: E402,F401 (routes attach themselves to bp)
