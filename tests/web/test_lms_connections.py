"""Connecting an LMS: dynamic registration end to end, approval, launch problems, setup values."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import jsonschema
import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from pytest_httpserver import HTTPServer
from sqlalchemy import func, select

from app.demo_lms.platform import LIS
from app.extensions import db
from app.lti.claims import DEPLOYMENT_ID, ROLES
from app.lti.errors import all_causes
from app.lti.tool_configuration import PLATFORM_CONFIGURATION, RESOURCE_LINK
from app.models.certification import AuditEntry
from app.models.lti import Platform, RegistrationInvitation
from app.models.tenancy import Organisation
from app.services.dynamic_registration import create_invitation
from config import ROOT_DIR
from tests.support.lms import DIRECTOR, PRACTITIONER, TOOL, LocalLms
from tests.support.registration import NRPS, TOOL_CONFIGURATION, RegisteringLms
from tests.support.settings import configured

FIXTURES = Path(__file__).parent.parent / "fixtures"
OUR_PAGE = {"Origin": TOOL, "Sec-Fetch-Site": "same-origin"}  # as the approval page posts


@pytest.fixture
def moodle(httpserver: HTTPServer) -> RegisteringLms:
    """A Moodle-like LMS, not yet registered, that offers dynamic registration."""
    lms = LocalLms.start(httpserver, client_id="dyn-client-1", deployment_id="moodle-deployment-3")
    registering = RegisteringLms(lms)
    registering.serve()
    return registering


def _invitation(app: Flask, needs_approval: bool = False, days: float = 7) -> str:
    with app.app_context():
        token = create_invitation("ticket 42", timedelta(days=days), needs_approval, "Riverside")
        db.session.commit()
    return f"/lti/register/{token}"


def _register(client: FlaskClient, lms: RegisteringLms, url: str, name: str = "Riverside Recovery"):
    start = client.get(lms.start_url(url))
    assert start.status_code == 200, start.get_data(as_text=True)
    return client.post(
        url,
        data=lms.confirm_fields(name),
    )


def test_dynamic_registration_round_trip_then_launch(
    app: Flask, client: FlaskClient, moodle: RegisteringLms
):
    url = _invitation(app)
    start = client.get(moodle.start_url(url)).get_data(as_text=True)
    assert "moodle 4.5" in start
    assert moodle.issuer in start
    assert 'value="Riverside"' in start  # the operator's prefilled organisation name

    done = _register(client, moodle, url)
    page = done.get_data(as_text=True)
    assert done.status_code == 200
    assert "IMR Academy is connected" in page
    assert 'data-close-message="org.imsglobal.lti.close"' in page
    assert "js/registration-close.js" in page

    [sent] = moodle.registrations
    assert sent["application_type"] == "web"
    assert sent["response_types"] == ["id_token"]
    assert set(sent["grant_types"]) == {"implicit", "client_credentials"}
    assert sent["initiate_login_uri"] == "http://localhost/lti/login"
    assert sent["redirect_uris"] == ["http://localhost/lti/launch"]
    assert sent["jwks_uri"] == "http://localhost/lti/jwks"
    assert sent["token_endpoint_auth_method"] == "private_key_jwt"
    # only scopes the platform offers, and never ones it did not list
    assert set(sent["scope"].split()) == {
        "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem",
        "https://purl.imsglobal.org/spec/lti-ags/scope/score",
        NRPS,
    }
    messages = {m["type"]: m for m in sent[TOOL_CONFIGURATION]["messages"]}
    assert set(messages) == {"LtiResourceLinkRequest", "LtiDeepLinkingRequest"}
    assert messages["LtiDeepLinkingRequest"]["placements"] == ["ContentArea"]
    assert "placements" not in messages["LtiResourceLinkRequest"]
    assert sent[TOOL_CONFIGURATION]["domain"] == "localhost"

    with app.app_context():
        platform = db.session.scalars(select(Platform)).one()
        assert (platform.issuer, platform.client_id) == (moodle.issuer, "dyn-client-1")
        assert (platform.registered_via, platform.product) == ("dynamic", "moodle")
        assert platform.key_set_url == moodle.server.url_for(moodle.lms.jwks_path)
        [organisation] = platform.organisations
        assert (organisation.deployment_id, organisation.name) == (
            "moodle-deployment-3",
            "Riverside Recovery",
        )
        assert not organisation.awaiting_approval

    launched = moodle.lms.launch(client, PRACTITIONER)
    assert launched.status_code == 302
    assert launched.location == "/practitioner"


def test_a_registration_that_needs_approval_waits_for_a_director(
    app: Flask, client: FlaskClient, moodle: RegisteringLms
):
    page = _register(client, moodle, _invitation(app, needs_approval=True)).get_data(as_text=True)
    assert "must be approved" in page

    refused = moodle.lms.launch(client, PRACTITIONER)
    assert refused.status_code == 403
    assert "waiting for approval" in refused.get_data(as_text=True)

    approval = moodle.lms.launch(client, DIRECTOR)
    assert approval.status_code == 200
    assert "moodle-deployment-3" in approval.get_data(as_text=True)
    approved = client.post("/lti/approve", data={"ticket": _ticket(approval)}, headers=OUR_PAGE)
    assert approved.status_code == 302
    assert approved.location == "/director"

    assert moodle.lms.launch(client, PRACTITIONER).location == "/practitioner"
    with app.app_context():
        entry = db.session.scalars(
            select(AuditEntry).filter_by(action="lms-connection-approved")
        ).one()
        assert entry.subject == "moodle-deployment-3"


def _ticket(page) -> str:
    found = re.search(r'name="ticket" value="([^"]+)"', page.get_data(as_text=True))
    assert found, "the approval page carries its ticket in the form"
    return found.group(1)


def test_an_approval_ticket_works_once_and_never_travels_in_a_url(
    app: Flask, client: FlaskClient, moodle: RegisteringLms
):
    _register(client, moodle, _invitation(app, needs_approval=True))
    page = moodle.lms.launch(client, DIRECTOR)
    ticket = _ticket(page)
    assert ticket not in (page.location or "")
    assert client.post("/lti/approve", data={"ticket": ticket}, headers=OUR_PAGE).status_code == 302
    assert client.post("/lti/approve", data={"ticket": ticket}, headers=OUR_PAGE).status_code == 404


def test_an_approval_ticket_posted_from_another_site_signs_no_one_in(
    app: Flask, client: FlaskClient, moodle: RegisteringLms
):
    _register(client, moodle, _invitation(app, needs_approval=True))
    ticket = _ticket(moodle.lms.launch(client, DIRECTOR))
    victim = app.test_client()  # the attacker's page posts the ticket from the victim's browser
    forged = {"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"}
    refused = victim.post("/lti/approve", data={"ticket": ticket}, headers=forged)
    assert refused.status_code == 403
    assert "not finished by IMR Academy" in refused.get_data(as_text=True)
    assert victim.get("/director").status_code == 401
    assert client.post("/lti/approve", data={"ticket": ticket}, headers=OUR_PAGE).status_code == 302


def test_the_operator_approves_from_the_cli(
    app: Flask, client: FlaskClient, runner: FlaskCliRunner, moodle: RegisteringLms
):
    _register(client, moodle, _invitation(app, needs_approval=True))
    listing = runner.invoke(args=["lti", "list-platforms"]).output
    assert (
        "moodle-deployment-3: Riverside Recovery; last launch never  AWAITING APPROVAL" in listing
    )
    args = ["--issuer", moodle.issuer, "--client-id", "dyn-client-1"]
    result = runner.invoke(args=["lti", "approve", *args, "--deployment-id", "moodle-deployment-3"])
    assert result.exit_code == 0, result.output
    assert "Approved deployment moodle-deployment-3" in result.output
    assert moodle.lms.launch(client, PRACTITIONER).location == "/practitioner"
    unknown = runner.invoke(args=["lti", "approve", *args, "--deployment-id", "9"])
    assert unknown.exit_code == 1
    assert "no deployment 9" in unknown.output


def test_a_canvas_style_deployment_is_adopted_at_its_first_launch(
    app: Flask, client: FlaskClient, moodle: RegisteringLms
):
    moodle.returns_deployment = False
    page = _register(client, moodle, _invitation(app), "Harbour Trust").get_data(as_text=True)
    assert "recognises it at the first launch" in page
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Organisation)) == 0
    assert moodle.lms.launch(client, PRACTITIONER).location == "/practitioner"
    with app.app_context():
        organisation = db.session.scalars(select(Organisation)).one()
        assert (organisation.deployment_id, organisation.name) == (
            "moodle-deployment-3",
            "Harbour Trust",
        )


def test_an_operator_registration_never_adopts_unknown_deployments(
    client: FlaskClient, lms: LocalLms
):
    fields = lms.launch_fields(client, PRACTITIONER)
    forged = lms.tampered(fields, lambda claims: claims.update({DEPLOYMENT_ID: "7"}))
    refused = client.post("/lti/launch", data=forged)
    assert refused.status_code == 403
    assert "deployment id 7" in refused.get_data(as_text=True)


@pytest.mark.parametrize(
    ("case", "status", "message"),
    [
        ("tampered", 400, "This registration link is not valid"),
        ("expired", 410, "This registration link has expired"),
        ("reused", 410, "This registration link has already been used"),
    ],
)
def test_bad_registration_links_are_refused_with_a_clear_page(
    app: Flask, client: FlaskClient, moodle: RegisteringLms, case, status, message
):
    url = _invitation(app, days=-1 if case == "expired" else 7)
    if case == "tampered":
        url = url[:-3] + ("abc" if not url.endswith("abc") else "xyz")
    if case == "reused":
        _register(client, moodle, url)
    before = len(moodle.registrations)
    for response in (
        client.get(moodle.start_url(url)),
        client.post(url, data={"organisation_name": "Mallory"}),
    ):
        assert response.status_code == status
        assert message in response.get_data(as_text=True)
    assert len(moodle.registrations) == before  # nothing was sent to the LMS


@pytest.mark.parametrize(
    ("override", "problem"),
    [
        ({"issuer": "https://elsewhere.example.org"}, "is on another host"),
        ({"registration_endpoint": None}, "it lacks registration_endpoint"),
        ({"id_token_signing_alg_values_supported": ["HS256"]}, "does not sign launches with RS256"),
        ({"registration_endpoint": "http://lms.example.org/register"}, "must use https"),
        ({"issuer": 5}, "issuer must be a full URL"),
        ({"issuer": ["https://lms.example.org"]}, "issuer must be a full URL"),
        ({"jwks_uri": "http://[::1"}, "jwks_uri must be a full URL"),
        ({"token_endpoint_auth_methods_supported": 5}, "must be lists of text"),
        ({"scopes_supported": [{}]}, "scopes_supported must be lists of text"),
        ({PLATFORM_CONFIGURATION: {"messages_supported": 5}}, "does not list LtiResourceLink"),
        (
            {
                PLATFORM_CONFIGURATION: {
                    "messages_supported": [{"type": RESOURCE_LINK, "placements": 5}]
                }
            },
            "",
        ),
    ],
)
def test_an_unusable_platform_configuration_is_explained(
    app: Flask, client: FlaskClient, moodle: RegisteringLms, override, problem
):
    moodle.configuration_overrides = override
    response = client.get(moodle.start_url(_invitation(app)))
    assert response.status_code == (400 if problem else 200)  # placements not a list: none
    assert problem in response.get_data(as_text=True)


def test_a_registration_started_with_an_unreadable_address_is_explained(
    app: Flask, client: FlaskClient
):
    response = client.get(_invitation(app) + "?openid_configuration=http://[::1")
    assert response.status_code == 400
    assert "did not start the registration correctly" in response.get_data(as_text=True)


@pytest.mark.parametrize("host", ["127.0.0.1", "[::ffff:127.0.0.1]", "[64:ff9b::7f00:1]"])
def test_a_registration_naming_a_private_address_is_refused_by_name_outside_development(
    app: Flask, client: FlaskClient, moodle: RegisteringLms, host: str
):
    port = urlsplit(moodle.configuration_url).port
    private = f"https://{host}:{port}/lms/.well-known/openid-configuration"
    with configured(app, private_outbound_allowed=False):
        response = client.get(_invitation(app) + f"?openid_configuration={private}")
    assert response.status_code == 400
    assert "is on a private network address" in response.get_data(as_text=True)
    assert moodle.server.log == [], "nothing was fetched"


def test_the_registration_token_is_sent_to_the_lms(
    app: Flask, client: FlaskClient, moodle: RegisteringLms
):
    url = _invitation(app)
    response = client.get(f"{url}?openid_configuration={moodle.configuration_url}")
    assert response.status_code == 502  # without the token the LMS answers 401
    page = response.get_data(as_text=True)
    assert "could not read your LMS" in page
    assert "401" not in page  # one generic message: nothing about the address leaks
    assert _register(client, moodle, url).status_code == 200


def test_an_lms_refusing_the_registration_leaves_the_link_usable(
    app: Flask, client: FlaskClient, moodle: RegisteringLms
):
    url = _invitation(app)
    moodle.registration_status = 500
    failed = _register(client, moodle, url)
    assert failed.status_code == 502
    assert "The link has not been used up" in failed.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Platform)) == 0
        assert db.session.scalars(select(RegistrationInvitation)).one().used_at is None
    moodle.registration_status = 201
    assert _register(client, moodle, url).status_code == 200


@pytest.mark.parametrize(
    ("extra", "said"),
    [
        (["--note", "n" * 201], "--note is 201 characters; the most is 200"),
        (["--note", "x", "--organisation", "o" * 300], "--organisation is 300 characters"),
        (["--note", "line\nbreak"], "--note holds a control character"),
    ],
)
def test_the_cli_refuses_a_registration_note_its_column_cannot_hold(
    app: Flask, runner: FlaskCliRunner, extra: list[str], said: str
):
    refused = runner.invoke(args=["lti", "registration-url", *extra])
    assert refused.exit_code == 1
    assert said in refused.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(RegistrationInvitation)) == 0


def test_the_cli_makes_registration_urls_at_the_public_url(app: Flask, runner: FlaskCliRunner):
    with configured(app, public_url="https://imr.example.org"):
        made = runner.invoke(args=["lti", "registration-url", "--note", "Riverside"])
    assert made.exit_code == 0, made.output
    url = made.output.splitlines()[0]
    assert url.startswith("https://imr.example.org/lti/register/")
    assert "waits for approval" in made.output  # LTI_REGISTRATION_APPROVAL defaults to on


def test_failed_launches_are_kept_with_their_cause_for_the_director(
    app: Flask, client: FlaskClient, runner: FlaskCliRunner, lms: LocalLms
):
    fields = lms.launch_fields(client, PRACTITIONER)
    unknown = lms.tampered(fields, lambda claims: claims.update({DEPLOYMENT_ID: "7"}))
    assert client.post("/lti/launch", data=unknown).status_code == 403
    fields = lms.launch_fields(client, PRACTITIONER)
    mentor = lms.tampered(
        fields, lambda claims: claims.update({ROLES: [f"{LIS}membership#Mentor"]})
    )
    assert client.post("/lti/launch", data=mentor).status_code == 403

    assert lms.launch(client, DIRECTOR).status_code == 302
    page = client.get("/connection").get_data(as_text=True)
    assert "the deployment id 7 is not registered" in page
    assert "course roles include none IMR Academy serves" in page
    assert "launches have worked since" in page  # the director's own launch came after
    listing = runner.invoke(args=["lti", "list-platforms"]).output
    assert "the deployment id 7 is not registered (deployment 7)" in listing
    assert "deployment deployment-1: Riverside Mental Health; last launch 20" in listing


def test_the_canvas_json_has_the_fields_canvas_documents(client: FlaskClient):
    configuration = client.get("/lti/canvas.json").get_json()
    schema = json.loads((FIXTURES / "canvas-developer-key.schema.json").read_text())
    jsonschema.validate(configuration, schema)
    assert configuration["oidc_initiation_url"] == "http://localhost/lti/login"
    assert configuration["public_jwk_url"] == "http://localhost/lti/jwks"
    placements = configuration["extensions"][0]["settings"]["placements"]
    assert {(p["placement"], p["message_type"]) for p in placements} == {
        ("course_navigation", "LtiResourceLinkRequest"),
        ("account_navigation", "LtiResourceLinkRequest"),
        ("link_selection", "LtiDeepLinkingRequest"),
        ("assignment_selection", "LtiDeepLinkingRequest"),
    }


def test_the_setup_page_lists_every_value_with_a_copy_button(client: FlaskClient):
    page = client.get("/lti/setup").get_data(as_text=True)
    for value in ("http://localhost/lti/login", "http://localhost/lti/launch", "/lti/jwks"):
        assert value in page
    codes = re.findall(r'<code id="(value-\d+)">', page)
    buttons = re.findall(r'data-copy-target="(value-\d+)"', page)
    assert codes
    assert codes == buttons
    assert urlsplit("http://localhost/lti/canvas.json").path in page


def test_the_troubleshooting_guide_explains_every_launch_problem():
    guide = (ROOT_DIR / "docs" / "troubleshooting.md").read_text()
    for reason, cause in all_causes().items():
        assert f"`{reason}`" in guide, reason
        assert cause.split("{")[0] in guide, cause


@pytest.mark.parametrize("name", ["Riverside Mental Health", "RIVERSIDE  mental health"])
def test_a_new_connection_cannot_take_the_name_of_another_organisation(
    app: Flask, client: FlaskClient, lms: LocalLms, moodle: RegisteringLms, name: str
):
    """Certificates and verification pages name their issuer: two alike would pass for each other."""
    url = _invitation(app)
    page = _register(client, moodle, url, name=name)
    assert page.status_code == 200
    assert "Another organisation on IMR Academy is already called" in page.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Platform)) == 1, "only lms's"
    assert _register(client, moodle, url, name="Riverside Recovery Bristol").status_code == 200
    with app.app_context():
        names = sorted(db.session.scalars(select(Organisation.name)))
    assert names == ["Riverside Mental Health", "Riverside Recovery Bristol"]


@pytest.mark.parametrize(
    ("name", "asked"),
    [("  ", "Give your organisation&#39;s name."), ("Harbour\nHouse", "must be on one line")],
    ids=["empty", "line-break"],
)
def test_an_empty_or_broken_organisation_name_is_asked_for_again(
    app: Flask, client: FlaskClient, moodle: RegisteringLms, name: str, asked: str
):
    url = _invitation(app)
    client.get(moodle.start_url(url))
    page = client.post(url, data=moodle.confirm_fields(name))
    assert page.status_code == 200
    assert asked in page.get_data(as_text=True)
    assert 'aria-invalid="true"' in page.get_data(as_text=True)
    assert moodle.registrations == []
    with app.app_context():
        assert db.session.scalars(select(RegistrationInvitation)).one().used_at is None


def _tool(**changes):
    """An answer whose tool configuration (deployment id) the LMS got wrong."""
    return lambda answer: {**answer, TOOL_CONFIGURATION: {**answer[TOOL_CONFIGURATION], **changes}}


def _client_id(value):
    return lambda answer: {**answer, "client_id": value}


@pytest.mark.parametrize(
    ("answer_changes", "problem"),
    [
        (_client_id(""), "its client_id is empty"),
        (_client_id("   "), "its client_id is empty"),
        (_client_id("c" * 256), "its client_id is 256 characters; the most is 255"),
        (_client_id("c" * 5000), "its client_id is 5,000 characters; the most is 255"),
        (_client_id("ab\x00cd"), "its client_id holds a control character"),
        (_client_id("ab\ncd"), "its client_id holds a control character"),
        (_client_id("ab\ud800"), "its client_id holds a control character"),
        (_tool(deployment_id=True), "its deployment_id is not text"),
        (_tool(deployment_id=1.5), "its deployment_id is not text"),
        (_tool(deployment_id=["d1", "d2"]), "its deployment_id is not text"),
        (_tool(deployment_id={"id": "d1"}), "its deployment_id is not text"),
        (_tool(deployment_id=""), "its deployment_id is empty"),
        (_tool(deployment_id="d" * 5000), "its deployment_id is 5,000 characters; the most is 255"),
        (_tool(deployment_id="d\x00x"), "its deployment_id holds a control character"),
        (_tool(deployment_id="d\udfff"), "its deployment_id holds a control character"),
        (lambda answer: {**answer, TOOL_CONFIGURATION: "x"}, "is not a JSON object"),
        (lambda answer: {**answer, TOOL_CONFIGURATION: [{"deployment_id": "d"}]}, "JSON object"),
        (lambda answer: {**answer, TOOL_CONFIGURATION: 5}, "is not a JSON object"),
        (lambda answer: "[" * 100_000 + "]" * 100_000, "which did not accept it"),
    ],
)
def test_an_unusable_registration_answer_is_refused_and_leaves_the_link_usable(
    app: Flask, client: FlaskClient, moodle: RegisteringLms, answer_changes, problem
):
    url = _invitation(app)
    moodle.answer_changes = answer_changes
    refused = _register(client, moodle, url)
    page = refused.get_data(as_text=True)
    assert refused.status_code == 502
    assert problem in page
    assert "The link has not been used up" in page
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Platform)) == 0
        assert db.session.scalar(select(func.count()).select_from(Organisation)) == 0
        assert db.session.scalars(select(RegistrationInvitation)).one().used_at is None
    moodle.answer_changes = None
    assert _register(client, moodle, url).status_code == 200


@pytest.mark.parametrize(("given", "stored"), [(7, "7"), (0, "0"), (None, None)])
def test_a_numeric_or_absent_deployment_id_is_read_as_its_text(
    app: Flask, client: FlaskClient, moodle: RegisteringLms, given, stored
):
    moodle.answer_changes = _tool(deployment_id=given)
    assert _register(client, moodle, _invitation(app)).status_code == 200
    with app.app_context():
        deployments = db.session.scalars(select(Organisation.deployment_id)).all()
        assert deployments == ([stored] if stored else [])


@pytest.mark.parametrize(
    ("override", "problem"),
    [
        (lambda lms: {"issuer": lms.issuer + "/" + "i" * 600}, "its issuer is"),
        (lambda lms: {"token_endpoint": lms.issuer + "/" + "t" * 1000}, "its token_endpoint is"),
        (lambda lms: {"jwks_uri": lms.issuer + "/jw\nks"}, "its jwks_uri holds a control"),
        (lambda lms: {"authorization_server": 5}, "authorization_server must be a full URL"),
        (lambda lms: {"authorization_server": [lms.issuer]}, "authorization_server must be a"),
        (
            lambda lms: {"authorization_server": lms.issuer + "/" + "a" * 5000},
            "its authorization_server is",
        ),
        (lambda lms: {"authorization_server": lms.issuer + "/a\x00b"}, "authorization_server"),
    ],
)
def test_platform_configuration_values_too_long_or_garbled_to_store_are_refused(
    app: Flask, client: FlaskClient, moodle: RegisteringLms, override, problem
):
    moodle.configuration_overrides = override(moodle)
    url = _invitation(app)
    for response in (
        client.get(moodle.start_url(url)),
        client.post(url, data=moodle.confirm_fields("Riverside")),
    ):
        assert response.status_code == 400
        assert problem in response.get_data(as_text=True)
    assert moodle.registrations == []  # refused before anything was sent to the LMS
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Platform)) == 0
        assert db.session.scalars(select(RegistrationInvitation)).one().used_at is None
    moodle.configuration_overrides = {}
    assert _register(client, moodle, url).status_code == 200


@pytest.mark.parametrize(
    ("product", "version", "stored"),
    [
        ({"a": 1}, ["4.5"], "LMS"),
        ("p" * 5000, "v" * 5000, "p" * Platform.product.type.length),
        ("moo\x00dle", "4.5\n", "moodle"),
    ],
)
def test_an_odd_product_name_is_kept_as_plain_text_within_its_column(
    app: Flask, client: FlaskClient, moodle: RegisteringLms, product, version, stored
):
    moodle.configuration_overrides = {
        "authorization_server": moodle.issuer + "/token",
        PLATFORM_CONFIGURATION: {
            "product_family_code": product,
            "version": version,
            "messages_supported": [{"type": RESOURCE_LINK}],
        },
    }
    assert _register(client, moodle, _invitation(app)).status_code == 200
    with app.app_context():
        platform = db.session.scalars(select(Platform)).one()
        assert platform.product == stored
        assert len(platform.name) <= Platform.name.type.length
        assert platform.auth_audience == moodle.issuer + "/token"
    assert moodle.lms.launch(client, PRACTITIONER).location == "/practitioner"
