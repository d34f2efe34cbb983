"""Fidelity review pages: the director plans reviews, records them, and sees what stays low."""

from __future__ import annotations

from flask import (
    abort,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response

from app.auth import identity, load_owned, role_required
from app.domain.fidelity import FidelityRatingError, items_staying_low, parse_review_date
from app.domain.paging import PageRequest
from app.domain.roles import Role
from app.exports import csv_response
from app.extensions import content, db
from app.fidelity import bp
from app.fidelity.forms import ReviewEntries
from app.forms import posted_rating, whole_number
from app.models.base import utc_now
from app.models.fidelity import FidelityReview
from app.models.tenancy import Program
from app.pdf.fidelity import report
from app.services import fidelity as service


def _review(review_id: int) -> FidelityReview:
    return load_owned(FidelityReview, review_id)


@bp.get("/")
@role_required(Role.DIRECTOR)
def index() -> str:
    """Every program with its last review, the next due date, and what is due or overdue, in pages."""
    rows = service.standings(identity().organisation_id, content().fidelity_scale, utc_now().date())
    asked = PageRequest.from_args(request.args, service.STANDING_SORTS, "program")
    page, shown = service.standings_page(rows, asked)
    return render_template(
        "fidelity/index.html",
        attention=[r for r in rows if r.status in service.NEEDS_ATTENTION],
        page=page,
        rows=shown,
        plain=FlaskForm(),
        today=utc_now().date(),
    )


@bp.post("/reviews")
@role_required(Role.DIRECTOR)
def start_selected() -> Response:
    """Start a draft review of each program chosen on the index: one action for the selection."""
    posted = request.form.getlist("program")
    ids = [i for i in map(whole_number, posted) if i is not None]
    if not ids or len(ids) != len(posted):
        flash("Tick the programs to review first, then start their reviews.", "error")
        return redirect(url_for("fidelity.index"))
    programs = [load_owned(Program, i) for i in dict.fromkeys(ids)]
    drafts = [service.draft(p, identity().person_id, utc_now().date()) for p in programs]
    if len(drafts) == 1:
        return redirect(url_for("fidelity.review", review_id=drafts[0].id))
    flash(f"Started {len(drafts)} draft reviews: each program lists its draft.", "success")
    return redirect(url_for("fidelity.index"))


@bp.get("/programs/<int:program_id>")
@role_required(Role.DIRECTOR)
def program(program_id: int) -> str:
    """A program's reviews over time, as a chart, and the items that stay low."""
    found = load_owned(Program, program_id)
    reviews = service.current_reviews(found.id)
    catalog = content().catalog
    low = [
        item
        for item in content().fidelity_scale.items
        if item.id in items_staying_low([r.ratings for r in reviews])
    ]
    return render_template(
        "fidelity/program.html",
        program=found,
        reviews=reviews,
        scale=content().fidelity_scale,
        low=low,
        catalog=catalog,
        plain=FlaskForm(),
    )


@bp.post("/programs/<int:program_id>/reviews")
@role_required(Role.DIRECTOR)
def start(program_id: int) -> Response:
    """Start a draft review of a program."""
    found = load_owned(Program, program_id)
    review = service.draft(found, identity().person_id, utc_now().date())
    return redirect(url_for("fidelity.review", review_id=review.id))


def _posted(entries: ReviewEntries) -> dict:
    """The review form as the service takes it; a date that is not one raises ReviewDateError,
    which the form shows like any other (the service checks the date is a plausible one), and
    a rating that is not a number is a 400 naming the item."""
    ratings = {
        item.id: posted_rating(item.title, request.form.get(f"rating-{item.id}", ""))
        for item in content().fidelity_scale.items
    }
    return {
        "reviewed_on": parse_review_date(entries.reviewed_on),
        "reviewers": entries.reviewers,
        "sources": entries.sources,
        "ratings": ratings,
        "evidence": entries.evidence,
    }


def _sentence(message: str) -> str:
    """The message with a capital first letter, the rest as written (a month keeps its own)."""
    return message[:1].upper() + message[1:]


@bp.route("/reviews/<int:review_id>", methods=["GET", "POST"])
@role_required(Role.DIRECTOR)
def review(review_id: int) -> Response:
    """Edit a draft (save or submit), or read a submitted review."""
    found = _review(review_id)
    scale = content().fidelity_scale
    posted = ReviewEntries.posted(request.form, (item.id for item in scale.items))
    errors: list[str] = []
    if request.method == "POST":
        try:
            service.save(found, **_posted(posted))
        except service.ReviewLocked as locked:
            abort(409, str(locked))
        except (FidelityRatingError, ValueError) as error:
            errors.append(_sentence(str(error)))  # nothing saved: the form shows what was typed
        else:
            return _after_save(found)
    entries = posted if errors else ReviewEntries.of(found)
    page = render_template(
        "fidelity/review.html",
        review=found,
        entries=entries,
        scale=scale,
        errors=errors,
        sources=service.SOURCES,
        program=db.session.get_one(Program, found.program_id),
        plain=FlaskForm(),
    )
    return make_response(page, 400 if errors else 200)


def _after_save(review: FidelityReview) -> Response:
    """Submit a saved draft when asked. A review not ready to submit (an item unrated, no
    reviewers) stays saved as a draft, with what is missing said: refused with a 400, the save
    was rolled back with it, and closing the page lost every rating entered."""
    if request.form.get("action") != "submit":
        flash("Draft saved.", "success")
        return redirect(url_for("fidelity.review", review_id=review.id))
    try:
        result = service.submit(review, content().fidelity_scale, identity().person_id)
    except (FidelityRatingError, ValueError) as error:
        flash(f"Draft saved, not submitted yet. {_sentence(str(error))}", "error")
        return redirect(url_for("fidelity.review", review_id=review.id))
    flash(f"Review submitted: mean {float(result.mean):.2f}, {result.label}.", "success")
    return redirect(url_for("fidelity.program", program_id=review.program_id))


@bp.post("/reviews/<int:review_id>/correct")
@role_required(Role.DIRECTOR)
def correct(review_id: int) -> Response:
    found = _review(review_id)
    reason = request.form.get("reason", "").strip()
    if not reason:
        flash("Give the reason for the correction: it is kept with the new version.", "error")
        return redirect(url_for("fidelity.review", review_id=found.id))
    try:
        new = service.correct(found, reason[:500], identity().person_id)
    except service.ReviewLocked as locked:
        abort(409, str(locked))
    return redirect(url_for("fidelity.review", review_id=new.id))


@bp.get("/reviews/<int:review_id>.pdf")
@role_required(Role.DIRECTOR)
def pdf(review_id: int) -> Response:
    found = _review(review_id)
    if found.editable:
        abort(400, "Submit the review before printing its report.")
    response = make_response(report(service.report_of(found, content().fidelity_scale)))
    response.headers["Content-Type"] = "application/pdf"
    response.headers["Content-Disposition"] = (
        f'attachment; filename="fidelity-review-{found.id}.pdf"'
    )
    return response


@bp.get("/reviews.csv")
@role_required(Role.DIRECTOR)
def export() -> Response:
    """All reviews of the organisation, one row each with every item's rating."""
    scale = content().fidelity_scale
    rows = service.export_rows(identity().organisation_id, scale)
    return csv_response("fidelity-reviews.csv", service.export_header(scale), rows)
