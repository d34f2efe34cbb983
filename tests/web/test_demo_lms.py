"""The demo LMS a newcomer clicks through: a real platform launching the tool over real HTTP."""

from __future__ import annotations

import re
from urllib.parse import urljoin

import pytest
import requests

from app import create_app
from app.extensions import db


def _follow_launch(base: str, persona: str) -> requests.Response:
    """What a browser does: follow redirects, and submit the auto-posting launch form."""
    session = requests.Session()
    assert session.get(f"{base}/demo-lms/").ok
    page = session.get(f"{base}/demo-lms/launch/{persona}")
    form = re.search(r'<form method="post" action="([^"]+)"', page.text)
    assert form, page.text
    fields = dict(re.findall(r'name="(\w+)" value="([^"]*)"', page.text))
    return session.post(urljoin(base, form.group(1)), data=fields)


@pytest.mark.parametrize(
    ("persona", "home", "text"),
    [
        ("practitioner", "/practitioner", "Welcome, Alex Rivera"),
        ("trainer", "/trainer", "People in this cohort"),
        ("director", "/director", "Open Sky Community Services (demo)"),
    ],
)
def test_demo_lms_launches_each_role_through_the_real_flow(live_server: str, persona, home, text):
    response = _follow_launch(live_server, persona)
    assert response.url == live_server + home
    assert text in response.text


def test_demo_lms_does_not_exist_in_production(tmp_path):
    from config import load_settings

    settings = load_settings(
        {
            "IMR_PROFILE": "production",
            "SECRET_KEY": "s" * 48,
            "DATABASE_URL": f"sqlite:///{tmp_path / 'prod.sqlite'}",
            "PUBLIC_URL": "https://imr.example.org",
            "DEMO_LMS": "true",
        }
    )
    from flask_migrate import upgrade

    app = create_app(settings)
    with app.app_context():
        upgrade()
    client = app.test_client()
    public = "http://imr.example.org"
    assert client.get("/demo-lms/", base_url=public).status_code == 404
    assert "demo LMS" not in client.get("/", base_url=public).get_data(as_text=True)


def test_behind_a_proxy_the_login_uses_https_and_iframe_cookies(tmp_path):
    """pylti1p3 marks its state cookie Secure and SameSite=None only on https: ProxyFix tells it."""
    from flask_migrate import upgrade

    from app.services.registrations import PlatformUrls, add_platform
    from config import load_settings

    settings = load_settings(
        {
            "IMR_PROFILE": "production",
            "SECRET_KEY": "s" * 48,
            "DATABASE_URL": f"sqlite:///{tmp_path / 'prod.sqlite'}",
            "PUBLIC_URL": "https://imr.example.org",
        }
    )
    app = create_app(settings)
    issuer = "https://lms.example.org"
    with app.app_context():
        upgrade()
        add_platform(
            issuer,
            "c1",
            ["d1"],
            PlatformUrls(issuer + "/auth", issuer + "/token", issuer + "/jwks"),
        )
        db.session.commit()
    assert app.config["SESSION_COOKIE_SAMESITE"] == "None"
    assert app.config["SESSION_COOKIE_SECURE"] is True
    login = {
        "iss": issuer,
        "login_hint": "u1",
        "client_id": "c1",
        "target_link_uri": "https://imr.example.org/lti/launch",
    }
    proxy = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "evil.example.com"}
    client = app.test_client()
    refused = client.get("/lti/login", headers=proxy, query_string=login)
    assert refused.status_code == 400  # Host localhost is not the public host
    response = client.get(
        "/lti/login",
        base_url="http://imr.example.org",
        headers=proxy,
        query_string={
            "iss": issuer,
            "login_hint": "u1",
            "client_id": "c1",
            "target_link_uri": "https://imr.example.org/lti/launch",
        },
    )
    assert response.status_code == 302
    assert "redirect_uri=https%3A%2F%2Fimr.example.org%2Flti%2Flaunch" in response.location
    state_cookie = next(
        c for c in response.headers.getlist("Set-Cookie") if c.startswith("lti1p3-state-")
    )
    assert "Secure" in state_cookie
    assert "SameSite=None" in state_cookie
