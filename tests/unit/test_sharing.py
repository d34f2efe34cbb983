"""LinkedIn's add-to-profile link: every field of its certification form, encoded safely."""

from __future__ import annotations

from datetime import date
from urllib.parse import parse_qs, urlsplit

from app.domain.sharing import SharedCredential, linkedin_add_url

CREDENTIAL = SharedCredential(
    name="IMR Practitioner",
    organisation="Riverside & District Mental Health",
    issued_on=date(2026, 11, 30),
    expires_on=date(2028, 11, 30),
    url="https://academy.example.org/verify/7K3Q-9XMD-2RPA-W4HN-T",
    code="7K3Q-9XMD-2RPA-W4HN-T",
)


def test_the_link_fills_linkedins_certification_form():
    parts = urlsplit(linkedin_add_url(CREDENTIAL))
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == "https://www.linkedin.com/profile/add"
    assert parse_qs(parts.query) == {
        "startTask": ["CERTIFICATION_NAME"],
        "name": ["IMR Practitioner"],
        "organizationName": ["Riverside & District Mental Health"],
        "issueYear": ["2026"],
        "issueMonth": ["11"],
        "expirationYear": ["2028"],
        "expirationMonth": ["11"],
        "certUrl": ["https://academy.example.org/verify/7K3Q-9XMD-2RPA-W4HN-T"],
        "certId": ["7K3Q-9XMD-2RPA-W4HN-T"],
    }


def test_names_cannot_break_out_of_their_parameter():
    link = linkedin_add_url(CREDENTIAL)
    assert "Riverside%20%26%20District" in link
    assert "&name=IMR%20Practitioner&" in link
