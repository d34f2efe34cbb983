"""Toolkit pages: find the material for this week's session, read it, print it.

The trainer's guide is for trainers and directors only: practitioners neither find nor open it.
A handout with group sections has a group version, shown and printed with `?version=group`.
"""

from __future__ import annotations

from flask import abort, render_template, request
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import SearchField, SelectField

from app.auth import identity, role_required
from app.content.model import TOPIC_AREAS, Strategy
from app.domain.roles import Role
from app.domain.toolkit import (
    ADAPTATIONS,
    FORMATS,
    LEAFLET_AUDIENCES,
    ItemKind,
    ToolkitItem,
    ToolkitQuery,
)
from app.extensions import content, db
from app.forms import options
from app.models.tenancy import Organisation
from app.services.toolkit import toolkit_pdf
from app.toolkit import bp

EVERYONE = (Role.PRACTITIONER, Role.TRAINER, Role.DIRECTOR)


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
    kind = SelectField("Kind", choices=[])

    def offer_kinds(self, trainer: bool) -> None:
        """Every kind, the trainer's guide only for trainers and directors."""
        kinds = [k for k in ItemKind if trainer or not k.trainers_only]
        self.kind.choices = options([("", "All kinds")] + [(k.value, k.plural) for k in kinds])


def _trainer() -> bool:
    return identity().role in (Role.TRAINER, Role.DIRECTOR)


def _item_or_404(item_id: str) -> ToolkitItem:
    item = content().toolkit.item(item_id)
    if item is None:
        abort(404, "There is no toolkit item with that name. Go back to the toolkit and search.")
    if item.kind.trainers_only and not _trainer():
        abort(
            403,
            "The trainer's guide is for trainers and directors. If your course links to it, "
            "ask your trainer for the practitioner's materials instead.",
        )
    return item


def _version(item: ToolkitItem) -> ToolkitItem:
    """The group version when asked for (`?version=group`) and the handout has one."""
    if request.args.get("version") == "group" and item.has_group_version:
        return item.as_group_version()
    return item


@bp.get("/")
@role_required(*EVERYONE)
def index() -> str:
    """Every item, narrowed by what the practitioner typed and picked."""
    form = ToolkitSearchForm(request.args)
    form.offer_kinds(_trainer())
    query = ToolkitQuery(
        words=(form.words.data or "")[:200],
        topic_area=form.topic_area.data if form.topic_area.validate(form) else "",
        strategy=form.strategy.data if form.strategy.validate(form) else "",
        format=form.format.data if form.format.validate(form) else "",
        kind=form.kind.data if form.kind.validate(form) else "",
        trainer=_trainer(),
    )
    return render_template("toolkit/index.html", form=form, items=content().toolkit.find(query))


@bp.get("/<item_id>")
@role_required(*EVERYONE)
def item(item_id: str) -> str:
    """An item on screen: read it, then print it or take the PDF; a plan links its sequence."""
    found = _item_or_404(item_id)
    kit = content().toolkit
    previous, following = kit.neighbours(found)
    return render_template(
        "toolkit/item.html",
        item=_version(found),
        modules=content().catalog.modules,
        handout=kit.handout_of(found.handout) if found.handout else None,
        worksheets=[w for w in map(kit.worksheet, found.worksheets) if w],
        previous=previous,
        next=following,
        other_version=kit.other_version(found) if found.session else None,
        used_by=kit.plans_using(found),
        adaptations=ADAPTATIONS,
        audiences=LEAFLET_AUDIENCES,
    )


@bp.get("/<item_id>.pdf")
@role_required(*EVERYONE)
def pdf(item_id: str) -> Response:
    """The printable PDF (`?print=large` for large print, `?version=group` for a handout's group
    version), with the organisation in the footer."""
    found = _version(_item_or_404(item_id))
    large = request.args.get("print") == "large"
    organisation = db.session.get_one(Organisation, identity().organisation_id)
    response = Response(toolkit_pdf(found, organisation, large), mimetype="application/pdf")
    group = "-group" if found.group_version else ""
    name = f"{found.id}{group}{'-large-print' if large else ''}.pdf"
    response.headers["Content-Disposition"] = f'inline; filename="{name}"'
    response.headers["ETag"] = f'"{found.version}{group}-{int(large)}"'
    return response
