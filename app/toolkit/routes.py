"""Toolkit pages: find the material for this week's session, read it, print it."""

from __future__ import annotations

from flask import abort, current_app, render_template, request
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import SearchField, SelectField

from app.auth import identity, role_required
from app.content.model import TOPIC_AREAS, Strategy
from app.domain.roles import Role
from app.domain.toolkit import FORMATS, ItemKind, Toolkit, ToolkitItem, ToolkitQuery
from app.extensions import db
from app.forms import options
from app.models.tenancy import Organisation
from app.services.toolkit import toolkit_pdf
from app.toolkit import bp

EVERYONE = (Role.PRACTITIONER, Role.TRAINER, Role.DIRECTOR)


def toolkit() -> Toolkit:
    return current_app.extensions["imr_toolkit"]


class ToolkitSearchForm(FlaskForm):
    """The search and filters; a GET form, so results can be bookmarked and nothing is stored."""

    class Meta:
        csrf = False

    words = SearchField("Search")
    topic_area = SelectField(
        "Topic area", choices=options([("", "All topic areas"), *TOPIC_AREAS.items()])
    )
    strategy = SelectField(
        "Strategy",
        choices=options([("", "All strategies")] + [(s.value, s.label) for s in Strategy]),
    )
    format = SelectField("Format", choices=options([("", "Any format"), *FORMATS.items()]))
    kind = SelectField(
        "Kind", choices=options([("", "All kinds")] + [(k.value, k.label + "s") for k in ItemKind])
    )


def _item_or_404(item_id: str) -> ToolkitItem:
    item = toolkit().item(item_id)
    if item is None:
        abort(404, "There is no toolkit item with that name. Go back to the toolkit and search.")
    return item


@bp.get("/")
@role_required(*EVERYONE)
def index() -> str:
    """Every item, narrowed by what the practitioner typed and picked."""
    form = ToolkitSearchForm(request.args)
    query = ToolkitQuery(
        words=(form.words.data or "")[:200],
        topic_area=form.topic_area.data if form.topic_area.validate(form) else "",
        strategy=form.strategy.data if form.strategy.validate(form) else "",
        format=form.format.data if form.format.validate(form) else "",
        kind=form.kind.data if form.kind.validate(form) else "",
    )
    return render_template("toolkit/index.html", form=form, items=toolkit().find(query))


@bp.get("/<item_id>")
@role_required(*EVERYONE)
def item(item_id: str) -> str:
    """An item on screen: read it, then print it or take the PDF."""
    found = _item_or_404(item_id)
    return render_template(
        "toolkit/item.html", item=found, modules=current_app.extensions["imr_catalog"].modules
    )


@bp.get("/<item_id>.pdf")
@role_required(*EVERYONE)
def pdf(item_id: str) -> Response:
    """The printable PDF (`?print=large` for large print), with the organisation in the footer."""
    found = _item_or_404(item_id)
    large = request.args.get("print") == "large"
    organisation = db.session.get(Organisation, identity().organisation_id)
    response = Response(toolkit_pdf(found, organisation, large), mimetype="application/pdf")
    name = f"{found.id}{'-large-print' if large else ''}.pdf"
    response.headers["Content-Disposition"] = f'inline; filename="{name}"'
    response.headers["ETag"] = f'"{found.version}-{int(large)}"'
    return response
