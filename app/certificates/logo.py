"""The organisation's logo: a director uploads or removes it, and its public address serves it
beside the organisation's name on every verification page."""

from __future__ import annotations

from flask import abort, flash, make_response, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response

from app.auth import identity, role_required
from app.certificates import bp, verify_bp
from app.certificates.forms import LogoForm
from app.domain.roles import Role
from app.services.logos import MAX_BYTES, LogoRefused, logo_of, logo_png, remove_logo, save_logo

LOGO_CACHE_SECONDS = 24 * 3600  # its address changes with the image, so a day's caching is safe


def _logo_page(form: LogoForm, status: int = 200) -> Response:
    page = render_template(
        "certificates/logo.html",
        form=form,
        plain=FlaskForm(),
        logo=logo_of(identity().organisation_id),
        limit_kb=MAX_BYTES // 1024,
    )
    return make_response(page, status)


@bp.route("/logo", methods=["GET", "POST"])
@role_required(Role.DIRECTOR)
def logo() -> Response:
    """Upload the logo of the director's own organisation (the session's, never one by id)."""
    form = LogoForm()
    if not form.validate_on_submit():
        return _logo_page(form, 400 if form.is_submitted() else 200)
    try:
        save_logo(
            identity().organisation_id, identity().person_id, form.image.data.read(MAX_BYTES + 1)
        )
    except LogoRefused as refused:
        form.image.errors.append(str(refused))
        return _logo_page(form, 400)
    flash("Logo saved: it now shows on your certificates' public verification pages.", "success")
    return redirect(url_for("certification.logo"))


@bp.post("/logo/remove")
@role_required(Role.DIRECTOR)
def remove() -> Response:
    """Take the logo off the verification pages (CSRFProtect has checked the form's token)."""
    removed = remove_logo(identity().organisation_id, identity().person_id)
    flash(
        "Logo removed: verification pages show your organisation's name alone."
        if removed
        else "There was no logo to remove.",
        "success",
    )
    return redirect(url_for("certification.logo"))


@verify_bp.get("/issuers/<int:organisation_id>/logo.png")
def issuer_logo(organisation_id: int) -> Response:
    """The logo as a PNG IMR Academy encoded itself, cacheable, never sniffed as anything else."""
    found = logo_png(organisation_id)
    if found is None:
        abort(404, "This organisation has no logo.")
    response = make_response(found.png)
    response.headers["Content-Type"] = "image/png"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.cache_control.public = True
    response.cache_control.max_age = LOGO_CACHE_SECONDS
    response.set_etag(found.sha256)
    response.last_modified = found.updated_at
    return response.make_conditional(request)
