"""The public verification page as a stranger reads it (the banner in words for each standing,
the issuer and its logo, LinkedIn's add-to-profile link) and the director's logo upload: only
real PNG and JPEG bytes, re-encoded, served with safe headers, one organisation's own."""

from __future__ import annotations

import io
import re
from datetime import UTC, date, datetime, timedelta
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from PIL import Image, PngImagePlugin
from sqlalchemy import select
from werkzeug.datastructures import FileStorage
from werkzeug.test import stream_encode_multipart

from app.domain.certificates import CertificateState, date_in_words
from app.extensions import db
from app.models.base import utc_now
from app.models.certification import Certificate, CertificationPolicy
from app.models.tenancy import Organisation, OrganisationLogo
from tests.support.images import image_bytes
from tests.support.journey import certificate_of, everything, sign_off
from tests.support.lms import DIRECTOR, LocalLms, csrf_token
from tests.support.settings import configured


def _png_with_metadata() -> bytes:
    info = PngImagePlugin.PngInfo()
    info.add_text("Author", "Jordan Lee, 12 Harbour Street")
    exif = Image.Exif()
    exif[0x010E] = "Taken at the office"  # ImageDescription
    return image_bytes("PNG", pnginfo=info, exif=exif.tobytes())


def _upload(client: FlaskClient, data: bytes, name: str, mimetype: str):
    token = csrf_token(client.get("/certification/logo"))
    return client.post(
        "/certification/logo",
        data={"csrf_token": token, "image": (io.BytesIO(data), name, mimetype)},
    )


def _director(app: Flask, lms: LocalLms) -> FlaskClient:
    client = app.test_client()
    lms.launch(client, DIRECTOR)
    return client


def _stored(app: Flask, organisation_name: str) -> OrganisationLogo | None:
    with app.app_context():
        organisation = db.session.scalars(
            select(Organisation).filter_by(name=organisation_name)
        ).one()
        row = db.session.get(OrganisationLogo, organisation.id)
        if row is not None:
            db.session.refresh(row, ["png"])
            db.session.expunge(row)
        return row


def test_a_director_uploads_a_png_and_its_metadata_is_not_kept(app, lms):
    director = _director(app, lms)
    page = director.get("/certification/logo").get_data(as_text=True)
    assert "No logo yet" in page
    uploaded = _upload(director, _png_with_metadata(), "logo.png", "image/png")
    assert uploaded.status_code == 302
    shown = director.get(uploaded.location).get_data(as_text=True)
    assert "Logo saved" in shown
    assert "Remove the logo" in shown
    stored = _stored(app, "Riverside Mental Health")
    assert (stored.width, stored.height) == (240, 120)
    again = Image.open(io.BytesIO(stored.png))
    assert again.format == "PNG"
    assert "Author" not in again.info
    assert "exif" not in again.info
    assert b"Harbour Street" not in stored.png
    assert b"Taken at the office" not in stored.png


def test_a_jpeg_is_taken_and_stored_as_a_png(app, lms):
    director = _director(app, lms)
    jpeg = image_bytes("JPEG", (2000, 500), quality=80)
    assert _upload(director, jpeg, "logo.jpg", "image/jpeg").status_code == 302
    stored = _stored(app, "Riverside Mental Health")
    assert stored.png.startswith(b"\x89PNG\r\n\x1a\n")
    assert (stored.width, stored.height) == (400, 100), "scaled to fit the stored square"


SVG = b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>alert(1)</script></svg>'
REFUSED = [
    (SVG, "logo.svg", "image/svg+xml", "not a PNG or JPEG image"),
    (SVG, "logo.png", "image/png", "not a PNG or JPEG image"),
    (b"Riverside Mental Health\n", "logo.png", "image/png", "not a PNG or JPEG image"),
    (image_bytes("GIF"), "logo.png", "image/png", "not a PNG or JPEG image"),
    (image_bytes("PNG", (3000, 40)), "wide.png", "image/png", "3000 × 40 pixels"),
    (image_bytes("PNG", (8, 8)), "tiny.png", "image/png", "8 × 8 pixels"),
    (image_bytes("PNG")[:200], "cut.png", "image/png", "damaged or incomplete"),
    (image_bytes("JPEG")[:200], "cut.jpg", "image/jpeg", "damaged or incomplete"),
    (b"", "empty.png", "image/png", "The file is empty"),
]


@pytest.mark.parametrize(("data", "name", "mimetype", "said"), REFUSED)
def test_anything_but_a_real_png_or_jpeg_is_refused_saying_what_is_allowed(
    app, lms, data, name, mimetype, said
):
    director = _director(app, lms)
    refused = _upload(director, data, name, mimetype)
    assert refused.status_code == 400
    page = unescape(refused.get_data(as_text=True))
    assert said in page
    assert "Upload the logo as a PNG or JPEG file of at most 512 KB" in page
    assert _stored(app, "Riverside Mental Health") is None


def test_an_oversized_file_is_refused_before_it_is_decoded(app, lms):
    director = _director(app, lms)
    noise = Image.frombytes("RGB", (600, 600), bytes(range(256)) * (600 * 600 * 3 // 256 + 1))
    out = io.BytesIO()
    noise.save(out, format="PNG", compress_level=0)
    assert len(out.getvalue()) > 512 * 1024
    # Encoded here in memory: the test client would spool so large a body to a file it never closes.
    fields = {
        "csrf_token": csrf_token(director.get("/certification/logo")),
        "image": FileStorage(io.BytesIO(out.getvalue()), "big.png", content_type="image/png"),
    }
    body, length, boundary = stream_encode_multipart(fields, use_tempfile=False)
    refused = director.post(
        "/certification/logo",
        data=body.getvalue(),
        content_type=f"multipart/form-data; boundary={boundary}",
        content_length=length,
    )
    assert refused.status_code == 400
    assert "larger than 512 KB" in refused.get_data(as_text=True)
    assert _stored(app, "Riverside Mental Health") is None


def test_the_served_logo_is_a_cacheable_png_that_is_never_sniffed(app, lms):
    director = _director(app, lms)
    _upload(director, image_bytes("PNG"), "logo.png", "image/png")
    stored = _stored(app, "Riverside Mental Health")
    public = app.test_client()
    served = public.get(f"/verify/issuers/{stored.organisation_id}/logo.png")
    assert served.status_code == 200
    assert served.headers["Content-Type"] == "image/png"
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    assert "public" in served.headers["Cache-Control"]
    assert "max-age=86400" in served.headers["Cache-Control"]
    assert served.headers["ETag"] == f'"{stored.sha256}"'
    assert served.data == stored.png
    again = public.get(
        f"/verify/issuers/{stored.organisation_id}/logo.png",
        headers={"If-None-Match": served.headers["ETag"]},
    )
    assert again.status_code == 304
    token = csrf_token(director.get("/certification/logo"))
    removed = director.post("/certification/logo/remove", data={"csrf_token": token})
    assert "Logo removed" in director.get(removed.location).get_data(as_text=True)
    assert public.get(f"/verify/issuers/{stored.organisation_id}/logo.png").status_code == 404
    audit = director.get("/certification/audit?format=csv").get_data(as_text=True)
    assert '"Omar Haddad","logo uploaded"' in audit  # every CSV cell is quoted
    assert '"Omar Haddad","logo removed"' in audit


def test_a_director_changes_only_their_own_organisations_logo(app, lms, httpserver):
    hillcrest = LocalLms.start(httpserver, issuer_path="/hillcrest", client_id="hillcrest-client")
    with app.app_context():
        hillcrest.register("Hillcrest Recovery Services")
    riverside_director = _director(app, lms)
    hillcrest_director = _director(app, hillcrest)
    _upload(riverside_director, image_bytes("PNG"), "riverside.png", "image/png")
    riverside_logo = _stored(app, "Riverside Mental Health")
    assert "No logo yet" in hillcrest_director.get("/certification/logo").get_data(as_text=True)
    # Hillcrest's director uploads and removes: only Hillcrest's logo is touched.
    _upload(hillcrest_director, image_bytes("JPEG", (300, 300)), "hillcrest.jpg", "image/jpeg")
    assert _stored(app, "Hillcrest Recovery Services") is not None
    token = csrf_token(hillcrest_director.get("/certification/logo"))
    hillcrest_director.post("/certification/logo/remove", data={"csrf_token": token})
    assert _stored(app, "Hillcrest Recovery Services") is None
    assert _stored(app, "Riverside Mental Health").sha256 == riverside_logo.sha256
    # Nothing in a request names the organisation: a forged id in the form is ignored.
    forged = hillcrest_director.post(
        "/certification/logo/remove",
        data={"csrf_token": token, "organisation_id": str(riverside_logo.organisation_id)},
    )
    assert forged.status_code == 302
    assert _stored(app, "Riverside Mental Health") is not None
    refused = hillcrest_director.post("/certification/logo/remove", data={})
    assert refused.status_code == 400, "CSRF is checked"


def _banner(page: str) -> str:
    """The words of the status banner's heading."""
    found = re.search(r'<h2 id="standing-heading"[^>]*>(.*?)</h2>', page, re.S)
    assert found, page
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", found.group(1))).split())


def _set(app: Flask, code: str, **values: object) -> None:
    with app.app_context():
        certificate = db.session.scalars(select(Certificate).filter_by(code=code)).one()
        for name, value in values.items():
            setattr(certificate, name, value)
        db.session.commit()


def test_no_cache_keeps_an_answer_and_the_page_and_its_json_stay_apart(app, lms):
    everything(app, lms)
    sign_off(app, lms)
    code = certificate_of(app).code
    public = app.test_client()
    for accept in ("text/html", "application/json"):
        answer = public.get(f"/verify/{code}", headers={"Accept": accept})
        assert answer.status_code == 200
        assert answer.headers["Cache-Control"] == "no-cache"  # asked again before every reuse
        assert "Accept" in answer.headers["Vary"]
    missing = public.get("/verify/7K3Q-9XMD-2RPA-W4HN-T")
    assert (missing.status_code, missing.headers["Cache-Control"]) == (404, "no-cache")


def test_the_banner_says_each_standing_in_words_with_its_date(app, lms):
    everything(app, lms)
    sign_off(app, lms)
    certificate = certificate_of(app)
    code, expires = certificate.code, certificate.expires_on
    public = app.test_client()
    valid = public.get(f"/verify/{code}").get_data(as_text=True)
    assert _banner(valid) == f"✓ Valid until {date_in_words(expires)}"
    assert "meets the issuing organisation's requirements" in unescape(valid)
    assert "Add to LinkedIn" in valid
    assert f"Issued on</dt><dd>{date_in_words(certificate.issued_on)}" in valid
    assert "Issued by <strong>Riverside Mental Health</strong>" in valid

    ended = date.today() - timedelta(days=3)
    _set(app, code, expires_on=ended)
    expired = public.get(f"/verify/{code}").get_data(as_text=True)
    assert _banner(expired) == f"! Expired: it was valid until {date_in_words(ended)}"
    assert "no longer shows current certification" in unescape(expired)
    assert "Add to LinkedIn" not in expired
    assert "Download the badge" not in expired
    assert "Copy link" in expired

    paused = utc_now() - timedelta(days=1)
    _set(
        app,
        code,
        expires_on=expires,
        state=CertificateState.SUSPENDED,
        suspended_at=paused,
        suspended_reason="a complaint under review",
    )
    suspended = unescape(public.get(f"/verify/{code}").get_data(as_text=True))
    assert _banner(suspended) == f"! Suspended since {date_in_words(paused.date())}"
    assert "for a complaint under review" in suspended
    assert "do not rely on it as proof of current certification" in suspended
    assert "Add to LinkedIn" not in suspended

    _set(
        app,
        code,
        state=CertificateState.REVOKED,
        revoked_at=utc_now(),
        revoked_reason="issued in error",
    )
    revoked = unescape(public.get(f"/verify/{code}").get_data(as_text=True))
    assert _banner(revoked) == f"✕ Revoked on {date_in_words(date.today())}"
    assert "withdrawn this certificate for good" in revoked
    assert "Reason given</dt><dd>issued in error" in revoked


def test_a_revocation_is_dated_as_the_issuer_saw_it(app, lms):
    """Revoked at 20:00 on 4 May in Los Angeles, already 5 May in UTC: the page says 4 May."""
    everything(app, lms)
    sign_off(app, lms)
    certificate = certificate_of(app)
    with app.app_context():
        db.session.merge(
            CertificationPolicy(
                organisation_id=certificate.organisation_id, timezone="America/Los_Angeles"
            )
        )
        db.session.commit()
    revoked_at = datetime(2026, 5, 5, 3, tzinfo=UTC)
    _set(app, certificate.code, state=CertificateState.REVOKED, revoked_at=revoked_at)
    page = app.test_client().get(f"/verify/{certificate.code}").get_data(as_text=True)
    assert _banner(page) == "✕ Revoked on 4 May 2026"


def test_a_replaced_certificate_points_to_its_correction(app, lms):
    everything(app, lms)
    sign_off(app, lms)
    old = certificate_of(app)
    director = _director(app, lms)
    token = csrf_token(director.get(f"/certification/certificates/{old.id}"))
    director.post(
        f"/certification/certificates/{old.id}/correct",
        data={"csrf_token": token, "reason": "The holder's name was misspelt"},
    )
    page = unescape(app.test_client().get(f"/verify/{old.code}").get_data(as_text=True))
    assert _banner(page) == f"↻ Replaced by a correction on {date_in_words(date.today())}"
    with app.app_context():
        new = db.session.scalars(select(Certificate).filter_by(replaces_id=old.id)).one()
    assert f'href="/verify/{new.code}"' in page
    assert "Check the new one" in page


def _linkedin(page: str) -> dict[str, list[str]]:
    href = unescape(re.search(r'href="(https://www\.linkedin\.com/profile/add\?[^"]+)"', page)[1])
    parts = urlsplit(href)
    assert (parts.netloc, parts.path) == ("www.linkedin.com", "/profile/add")
    return parse_qs(parts.query)


def test_linkedin_gets_every_field_and_the_configured_address_not_the_hosts(app, lms):
    everything(app, lms)
    sign_off(app, lms)
    certificate = certificate_of(app)
    director = _director(app, lms)
    _upload(director, image_bytes("PNG"), "logo.png", "image/png")
    logo = _stored(app, "Riverside Mental Health")
    with configured(app, public_url="https://academy.example.org"):
        page = (
            app.test_client()
            .get(f"/verify/{certificate.code}", headers={"Host": "attacker.example"})
            .get_data(as_text=True)
        )
    issued, expires = certificate.issued_on, certificate.expires_on
    address = f"https://academy.example.org/verify/{certificate.code}"
    assert _linkedin(page) == {
        "startTask": ["CERTIFICATION_NAME"],
        "name": [certificate.credential],
        "organizationName": ["Riverside Mental Health"],
        "issueYear": [str(issued.year)],
        "issueMonth": [str(issued.month)],
        "expirationYear": [str(expires.year)],
        "expirationMonth": [str(expires.month)],
        "certUrl": [address],
        "certId": [certificate.code],
    }
    assert f'value="{address}"' in page, "the link to copy is the configured one too"
    assert "attacker.example" not in page
    assert f'src="/verify/issuers/{logo.organisation_id}/logo.png?v={logo.sha256[:12]}"' in page
    assert 'alt="Logo of Riverside Mental Health"' in page
    assert f'href="/verify/{certificate.code}/badge.jwt" download' in page
    with configured(app, public_url="https://academy.example.org"):
        profile = app.test_client().get(f"/verify/issuers/{logo.organisation_id}").get_json()
    assert profile["image"] == {
        "id": f"https://academy.example.org/verify/issuers/{logo.organisation_id}/logo.png?v={logo.sha256[:12]}",
        "type": "Image",
        "caption": "Logo of Riverside Mental Health",
    }, "the Open Badges issuer profile carries the logo too"


NO_BADGE = [
    ({"expires_on": date.today() - timedelta(days=1)}, "This certificate has expired"),
    (
        {"state": CertificateState.SUSPENDED, "suspended_at": utc_now(), "suspended_reason": "x"},
        "This certificate is suspended",
    ),
    (
        {"state": CertificateState.REVOKED, "revoked_at": utc_now(), "revoked_reason": "Fraud"},
        "This certificate was revoked",
    ),
]


@pytest.mark.parametrize(("change", "said"), NO_BADGE)
def test_only_a_certificate_in_good_standing_gets_a_freshly_signed_badge(app, lms, change, said):
    everything(app, lms)
    sign_off(app, lms)
    code = certificate_of(app).code
    public = app.test_client()
    assert public.get(f"/verify/{code}/badge.jwt").status_code == 200
    _set(app, code, **change)
    refused = public.get(f"/verify/{code}/badge.jwt")
    assert refused.status_code == 410
    assert refused.mimetype == "text/plain"
    text = refused.get_data(as_text=True)
    assert f"{said}, so no badge is issued for it." in text
    assert f"verification page: http://localhost/verify/{code}" in text
    assert "Download the badge" not in public.get(f"/verify/{code}").get_data(as_text=True)


def test_a_renewed_certificates_page_points_to_its_renewal_and_shows_what_became_of_it(app, lms):
    everything(app, lms)
    sign_off(app, lms)
    old = certificate_of(app)
    _set(
        app,
        old.code,
        issued_on=date.today() - timedelta(days=400),
        expires_on=date.today() + timedelta(days=30),
    )
    director = _director(app, lms)
    token = csrf_token(director.get(f"/certification/certificates/{old.id}"))
    director.post(f"/certification/certificates/{old.id}/renew", data={"csrf_token": token})
    with app.app_context():
        renewal = db.session.scalars(select(Certificate).filter_by(renews_id=old.id)).one()
        renewal_id, renewal_code = renewal.id, renewal.code
    public = app.test_client()
    page = unescape(public.get(f"/verify/{old.code}").get_data(as_text=True))
    assert _banner(page) == "↻ Renewed: a newer certificate took its place"
    assert (
        f'renewed by <a href="/verify/{renewal_code}">{renewal_code}</a>, which is <strong>valid'
        in page
    )
    assert "It is no longer proof of current certification" in page
    assert "Add to LinkedIn" not in page
    assert "Download the badge" not in page
    badge = public.get(f"/verify/{old.code}/badge.jwt")
    assert badge.status_code == 410
    assert "renewed by a newer certificate" in badge.get_data(as_text=True)
    assert public.get(f"/verify/{renewal_code}/badge.jwt").status_code == 200

    director.post(
        f"/certification/certificates/{renewal_id}/standing",
        data={
            "csrf_token": token,
            "move": "revoke",
            "reason": "Practice concerns",
            "confirmed": "yes",
        },
    )
    page = unescape(public.get(f"/verify/{old.code}").get_data(as_text=True))
    assert f"{renewal_code}</a>, which is <strong>revoked" in page
    assert public.get(f"/verify/{renewal_code}/badge.jwt").status_code == 410
