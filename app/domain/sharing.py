"""Sharing a certificate: the link that adds it to the holder's LinkedIn profile.

LinkedIn's documented "Add to Profile" link for a certification opens the member's own profile
form already filled in: https://www.linkedin.com/profile/add?startTask=CERTIFICATION_NAME with
the certification's name, the issuing organisation, the month and year of issue and of expiry,
the address where anyone can check it, and its id. Nothing reaches LinkedIn until the member
saves the form themselves.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from urllib.parse import quote, urlencode

LINKEDIN_ADD_TO_PROFILE = "https://www.linkedin.com/profile/add"


@dataclass(frozen=True)
class SharedCredential:
    """What a profile entry for a certificate says: name, issuer, dates, and where to check it."""

    name: str
    organisation: str
    issued_on: date
    expires_on: date
    url: str
    code: str


def linkedin_add_url(credential: SharedCredential) -> str:
    """LinkedIn's add-to-profile link, with every field the certification form takes."""
    fields = {
        "startTask": "CERTIFICATION_NAME",
        "name": credential.name,
        "organizationName": credential.organisation,
        "issueYear": credential.issued_on.year,
        "issueMonth": credential.issued_on.month,
        "expirationYear": credential.expires_on.year,
        "expirationMonth": credential.expires_on.month,
        "certUrl": credential.url,
        "certId": credential.code,
    }
    return f"{LINKEDIN_ADD_TO_PROFILE}?{urlencode(fields, quote_via=quote)}"
