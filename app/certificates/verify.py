"""Public verification: anyone holding a certificate can check it, without signing in."""

from __future__ import annotations

import hashlib
import json

from flask import abort, jsonify, make_response, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from app.certificates import verify_bp
from app.certificates.forms import PdfCheckForm
from app.domain.certificates import Standing, badge_refusal
from app.domain.codes import in_file_names
from app.exports import attachment
from app.extensions import csrf, db
from app.models.certification import Certificate
from app.models.tenancy import Organisation
from app.services import badges, certificates
from app.services.badges import BadgeUrls
from app.services.logos import logo_of
from app.services.verification import issued, linkedin_link, public_view
from app.shared_store import current_store
from app.urls import public_url

LOOKUPS_PER_MINUTE = 30


def _rate_limited() -> None:
    """Codes cannot be guessed by brute force: each address gets a few lookups a minute."""
    address = request.remote_addr or "unknown"
    if current_store().increment(f"verify-rate-{address}", 60) > LOOKUPS_PER_MINUTE:
        abort(429, "Too many certificate lookups from your address. Wait a minute, then try again.")


@verify_bp.after_request
def _always_current(response: Response) -> Response:
    """A standing changes the moment a director acts on it, so no cache may answer for us
    (a CDN's copy would show a revoked certificate as valid): every answer is checked again
    before reuse, unless a route chose its own lifetime (the logo). The page and its JSON share
    one address, told apart by Accept, so a cache must keep them apart too."""
    cache = response.cache_control
    if cache.max_age is None and not cache.no_store:
        cache.no_cache = True
    response.vary.add("Accept")
    return response


@verify_bp.get("/")
def form() -> Response | str:
    """Type a code, or follow the QR code on a certificate."""
    code = request.args.get("code")
    if code:
        return redirect(url_for("verify.certificate", code=code.strip()))
    return render_template("certificates/verify_form.html")


def _lookup(code: str) -> tuple[str | None, Certificate | None]:
    _rate_limited()
    return issued(code)


def _not_found(code: str, canonical: str | None) -> tuple[str, int] | tuple[Response, int]:
    message = (
        "That is not a valid certificate code: check each character (codes look like 7K3Q-9XMD-2RPA-W4HN-T)."
        if canonical is None
        else "No certificate has this code. Check it against the certificate."
    )
    if request.accept_mimetypes.best == "application/json":
        return jsonify({"code": code, "status": "not-found", "message": message}), 404
    return render_template("certificates/verify_missing.html", code=code, message=message), 404


@verify_bp.get("/<code>")
def certificate(code: str) -> Response | str | tuple:
    """Whether a certificate is valid, expired, suspended or revoked, and whose it is: nothing more."""
    canonical, found = _lookup(code)
    if found is None:
        return _not_found(code, canonical)
    if request.accept_mimetypes.best == "application/json":
        return jsonify(public_view(found).as_json())
    return _page(found, PdfCheckForm(), None)


def _page(found: Certificate, form: PdfCheckForm, match: bool | None) -> str:
    """The page a stranger reads: the banner, the issuer and its logo, the evidence, and sharing.

    The link to copy and to put on LinkedIn is the configured public address, never one built
    from this request's Host header.
    """
    view = public_view(found)
    link = public_url("verify.certificate", code=found.code)
    valid = view.words.standing is Standing.VALID
    return render_template(
        "certificates/verify.html",
        data=view.as_json(),
        words=view.words,
        form=form,
        match=match,
        link=link,
        linkedin=linkedin_link(found, link) if valid else None,
        logo=logo_of(found.organisation_id),
    )


@verify_bp.post("/<code>")
@csrf.exempt  # a public page with no session to protect; it changes nothing
def check_pdf(code: str) -> Response | str | tuple:
    """Say whether an uploaded PDF is the unaltered file that was issued."""
    canonical, found = _lookup(code)
    if found is None:
        return _not_found(code, canonical)
    form = PdfCheckForm(meta={"csrf": False})
    match = None
    if form.validate_on_submit():
        match = hashlib.sha256(form.pdf.data.read()).hexdigest() == found.pdf_sha256
    return _page(found, form, match), 200 if match is not None else 400


def badge_urls(code: str, organisation_id: int) -> BadgeUrls:
    return BadgeUrls(
        credential=public_url("verify.badge", code=code),
        issuer=public_url("verify.issuer", organisation_id=organisation_id),
        jwks=public_url("verify.issuer_jwks", organisation_id=organisation_id),
        revocations=public_url("verify.revocations", organisation_id=organisation_id),
        achievement=public_url("verify.issuer", organisation_id=organisation_id)
        + "#imr-practitioner",
    )


@verify_bp.get("/<code>/badge.jwt")
def badge(code: str) -> Response | tuple:
    """The certificate as an Open Badges 3.0 credential (VC-JWT) for a wallet or backpack.

    Only a certificate in good standing gets one, as the page's download button says: a badge is
    freshly signed, and a verifier that checks its signature and expiry but not the revocation
    list would take a revoked, expired or renewed certificate's new badge for current proof.
    """
    canonical, found = _lookup(code)
    if found is None:
        return _not_found(code, canonical)
    refusal = badge_refusal(certificates.standing_of(found))
    if refusal is not None:
        return _no_badge(found, refusal)
    token = badges.signed(found, badge_urls(found.code, found.organisation_id))
    response = make_response(token)
    response.headers["Content-Type"] = "application/vc+jwt"
    attachment(response, f"imr-badge-{in_file_names(found.code)}.jwt")
    return response


def _no_badge(found: Certificate, refusal: str) -> Response:
    """410 Gone, in a line of plain text: why there is no badge, and where to check the code."""
    page = public_url("verify.certificate", code=found.code)
    text = f"{refusal}\nCheck certificate {found.code} on its verification page: {page}\n"
    response = make_response(text, 410)
    response.headers["Content-Type"] = "text/plain; charset=utf-8"
    return response


def _organisation(organisation_id: int) -> Organisation:
    """An organisation that has issued certificates; every other id is 404, whether it exists or not."""
    organisation = db.session.get(Organisation, organisation_id)
    if organisation is None or not badges.has_issued(organisation.id):
        abort(404, "There is no such issuer.")
    return organisation


@verify_bp.get("/issuers/<int:organisation_id>")
def issuer(organisation_id: int) -> Response:
    """The issuing organisation's Open Badges profile, with its logo when it has one."""
    organisation = _organisation(organisation_id)
    profile = badges.issuer_profile(organisation, badge_urls("", organisation.id))
    logo = logo_of(organisation.id)
    if logo is not None:
        address = public_url(
            "verify.issuer_logo", organisation_id=organisation.id, v=logo.sha256[:12]
        )
        profile["image"] = {
            "id": address,
            "type": "Image",
            "caption": f"Logo of {organisation.name}",
        }
    return jsonify(profile)


@verify_bp.get("/issuers/<int:organisation_id>/jwks")
def issuer_jwks(organisation_id: int) -> Response:
    """The public key that verifies the organisation's badges."""
    key = badges.issuer_key(_organisation(organisation_id).id)
    if key is None:
        abort(404, "There is no such issuer.")
    return jsonify({"keys": [json.loads(key.public_jwk)]})


@verify_bp.get("/issuers/<int:organisation_id>/revocations")
def revocations(organisation_id: int) -> Response:
    """The organisation's revoked badges (1EdTech revocation list), with the badges of renewed
    certificates whose renewal was suspended or revoked since: the renewal's withdrawal covers
    the badges handed out before it."""
    organisation = _organisation(organisation_id)
    url = public_url("verify.revocations", organisation_id=organisation.id)
    listing = badges.revocation_list(
        organisation.id, lambda code: badge_urls(code, organisation.id), url
    )
    listing["revokedCredentials"] += [
        {"id": badge_urls(code, organisation.id).credential, "revocationReason": reason}
        for code, reason in certificates.withdrawn_through_renewal(organisation.id)
    ]
    return jsonify(listing)
