"""Access tokens for LTI Advantage calls: a signed client assertion, cached until expiry."""

from __future__ import annotations

import json

import jwt
from flask import Flask
from jwcrypto.jwk import JWK
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from app.extensions import db
from app.lti import keys
from app.lti.tool import service_connector
from app.models.lti import Platform

SCOPE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"


def _platform(httpserver: HTTPServer) -> Platform:
    platform = Platform(
        name="LMS",
        issuer="https://lms.example.org",
        client_id="tool-1",
        auth_login_url="https://lms.example.org/auth",
        auth_token_url=httpserver.url_for("/token"),
        key_set_url="https://lms.example.org/jwks",
    )
    db.session.add(platform)
    db.session.commit()
    return platform


def test_token_request_is_a_signed_client_assertion_and_is_reused(
    app: Flask, httpserver: HTTPServer
):
    seen: list[dict[str, str]] = []

    def token_endpoint(request: Request) -> Response:
        seen.append(request.form.to_dict())
        return Response(
            json.dumps(
                {
                    "access_token": f"token-{len(seen)}",
                    "token_type": "bearer",
                    "expires_in": 3600,
                    "scope": SCOPE,
                }
            ),
            content_type="application/json",
        )

    httpserver.expect_request("/token", method="POST").respond_with_handler(token_endpoint)
    with app.app_context():
        platform = _platform(httpserver)
        connector = service_connector(platform)
        assert connector.get_access_token([SCOPE]) == "token-1"
        assert service_connector(platform).get_access_token([SCOPE]) == "token-1"
        published = keys.published_jwks()["keys"]
    assert len(seen) == 1
    form = seen[0]
    assert form["grant_type"] == "client_credentials"
    assert form["client_assertion_type"] == "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
    assert form["scope"] == SCOPE
    header = jwt.get_unverified_header(form["client_assertion"])
    jwk = next(key for key in published if key["kid"] == header["kid"])
    public = JWK(**jwk).export_to_pem()
    claims = jwt.decode(
        form["client_assertion"],
        public,
        algorithms=["RS256"],
        audience=httpserver.url_for("/token"),
    )
    assert claims["iss"] == claims["sub"] == "tool-1"
    assert claims["jti"]


def test_a_refused_token_request_raises_and_is_not_cached(app: Flask, httpserver: HTTPServer):
    from pylti1p3.exception import LtiServiceException

    httpserver.expect_ordered_request("/token", method="POST").respond_with_json(
        {"error": "invalid_client"}, status=401
    )
    httpserver.expect_ordered_request("/token", method="POST").respond_with_json(
        {"access_token": "good", "token_type": "bearer", "expires_in": 3600}
    )
    with app.app_context():
        connector = service_connector(_platform(httpserver))
        try:
            connector.get_access_token([SCOPE])
            raise AssertionError("a 401 from the token endpoint must raise")
        except LtiServiceException:
            pass
        assert connector.get_access_token([SCOPE]) == "good"
