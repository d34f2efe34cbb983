"""The demo organisation, course and people, and the demo LMS's registration with the tool."""

from __future__ import annotations

from flask import current_app

from app.demo_lms.platform import LIS, LmsCourse, LmsPlatform, LmsUser, new_private_key_pem
from app.lti.registry import find_organisation, find_platform
from app.services.registrations import PlatformUrls, add_platform
from app.urls import public_url

CLIENT_ID = "imr-academy-demo"
DEPLOYMENT_ID = "demo-deployment-1"
ORGANISATION = "Open Sky Community Services (demo)"
RESOURCE_LINK_ID = "demo-imr-academy-link"
COURSE = LmsCourse("demo-imr-spring", "IMR Intensive Training, Spring cohort", "IMR-SPRING")

PERSONAS: dict[str, tuple[LmsUser, str]] = {
    "practitioner": (
        LmsUser(
            "demo-alex-rivera",
            "Alex Rivera",
            "alex.rivera@example.org",
            (f"{LIS}membership#Learner",),
        ),
        "A new practitioner in the five-day intensive training (LMS role: Learner).",
    ),
    "practitioner-2": (
        LmsUser(
            "demo-priya-nair", "Priya Nair", "priya.nair@example.org", (f"{LIS}membership#Learner",)
        ),
        "A second practitioner in the same cohort (LMS role: Learner).",
    ),
    "trainer": (
        LmsUser(
            "demo-sam-okafor",
            "Sam Okafor",
            "sam.okafor@example.org",
            (f"{LIS}membership#Instructor",),
        ),
        "The IMR trainer who leads the cohort and its weekly consultation (LMS role: Instructor).",
    ),
    "director": (
        LmsUser(
            "demo-jordan-lee",
            "Jordan Lee",
            "jordan.lee@example.org",
            (f"{LIS}institution/person#Administrator", f"{LIS}membership#Instructor"),
        ),
        "The program director, who also teaches in this course "
        "(LMS roles: Administrator and Instructor; can switch to the trainer view).",
    ),
}


def _key_pem() -> str:
    """The demo LMS's private key, made once and kept in the instance folder (never committed)."""
    path = current_app.instance_path + "/demo-lms-key.pem"
    try:
        with open(path) as handle:
            return handle.read()
    except FileNotFoundError:
        pem = new_private_key_pem()
        with open(path, "w") as handle:
            handle.write(pem)
        return pem


def demo_platform() -> LmsPlatform:
    """The demo LMS at this server's own address (so any host and port works)."""
    return LmsPlatform(
        issuer=public_url("demo_lms.index").rstrip("/"),
        client_id=CLIENT_ID,
        deployment_id=DEPLOYMENT_ID,
        private_key_pem=_key_pem(),
        tool_login_url=public_url("lti.login"),
        tool_launch_url=public_url("lti.launch"),
        tool_jwks_url=public_url("lti.jwks"),
    )


def ensure_registered(platform: LmsPlatform) -> None:
    """Register the demo LMS with the tool, exactly as an operator would with the CLI."""
    registered = find_platform(platform.issuer, platform.client_id)
    if registered is not None and find_organisation(registered, platform.deployment_id):
        return
    urls = PlatformUrls(
        auth_login_url=public_url("demo_lms.authorise"),
        auth_token_url=public_url("demo_lms.token"),
        key_set_url=public_url("demo_lms.jwks"),
    )
    add_platform(
        platform.issuer,
        platform.client_id,
        [platform.deployment_id],
        None if registered else urls,
        name="Demo LMS",
        organisation_name=ORGANISATION,
    )
