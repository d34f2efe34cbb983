"""Outbound calls to an LMS: kept off the servers' own network, and within their deadline.

The suite's LMSs are local servers, so the suite allows private outbound calls; each test here
that proves a refusal turns them off, as production has them. A second local server stands in
for an internal service (a metadata endpoint, an admin port) that must never be reached.
"""

from __future__ import annotations

import logging
import socket
import threading
import time
from collections.abc import Iterator

import pytest
import requests
from flask import Flask
from flask.testing import FlaskClient
from pytest_httpserver import HTTPServer
from sqlalchemy import select
from werkzeug import Request, Response

from app.extensions import db
from app.lti.http import (
    DeadlineExceeded,
    Limits,
    OutboundSession,
    PrivateAddressRefused,
    RedirectRefused,
    UnusableUrl,
    check_url,
    lms_session,
)
from app.models.lti import Platform
from app.models.tenancy import Cohort, Organisation
from tests.support.lms import PRACTITIONER, TRAINER, LocalLms, csrf_token
from tests.support.settings import configured

AGS_CLAIM = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
NRPS_CLAIM = "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice"
SCORE_SCOPE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"


class _Internal:
    """A service on 127.0.0.1 that answers 403 and notes every request that reached it."""

    def __init__(self, server: HTTPServer) -> None:
        self.server = server
        self.reached: list[str] = []
        server.expect_request("/secret").respond_with_handler(self._answer)

    def _answer(self, request: Request) -> Response:
        self.reached.append(f"{request.method} auth={request.headers.get('Authorization')}")
        return Response("internal admin page", status=403)

    @property
    def url(self) -> str:
        return self.server.url_for("/secret")


@pytest.fixture
def internal() -> Iterator[_Internal]:
    server = HTTPServer(host="127.0.0.1", port=0)
    server.start()
    yield _Internal(server)
    server.clear()
    server.stop()


def _key_set_moved_to(lms: LocalLms, app: Flask, location: str) -> None:
    """The LMS answers its registered key set URL with a redirect to `location`."""
    lms.server.expect_request("/lms/moved-keys").respond_with_response(
        Response(status=302, headers={"Location": location})
    )
    with app.app_context():
        db.session.scalars(select(Platform)).one().key_set_url = lms.server.url_for(
            "/lms/moved-keys"
        )
        db.session.commit()


# --- Every call to an LMS is public-only outside development ------------------------------


def test_a_launch_key_set_redirected_to_an_internal_service_reaches_nothing(
    app: Flask, client: FlaskClient, lms: LocalLms, internal: _Internal
):
    _key_set_moved_to(lms, app, internal.url)
    with configured(app, private_outbound_allowed=False):
        refused = client.post("/lti/launch", data=lms.launch_fields(client, PRACTITIONER))
    assert refused.status_code == 502
    page = refused.get_data(as_text=True)
    assert "could not read your LMS&#39;s keys" in page
    assert "403" not in page
    assert internal.reached == []


def test_the_key_set_page_never_says_what_answered_but_the_log_does(
    app: Flask,
    client: FlaskClient,
    lms: LocalLms,
    internal: _Internal,
    caplog: pytest.LogCaptureFixture,
):
    _key_set_moved_to(lms, app, internal.url)  # reachable: private calls allowed while developing
    with caplog.at_level(logging.WARNING):
        refused = client.post("/lti/launch", data=lms.launch_fields(client, PRACTITIONER))
    assert refused.status_code == 502
    page = refused.get_data(as_text=True)
    assert "key set could not be fetched (the reason is in IMR Academy&#39;s log)" in page
    assert "403" not in page, "the status of whatever answered would make launches a scanner"
    assert "answered HTTP 403" in caplog.text, "the operator still learns why"


def test_a_redirect_from_a_public_lms_to_a_private_address_is_refused(
    httpserver: HTTPServer, internal: _Internal
):
    session = lms_session(private_allowed=False)
    # The LMS's own address stands in for a public one: its first hop skips the guard, so the
    # refusal below can only come from the hop the redirect made.
    session.mount(httpserver.url_for("/"), requests.adapters.HTTPAdapter())
    httpserver.expect_request("/keys").respond_with_response(
        Response(status=302, headers={"Location": internal.url})
    )
    with pytest.raises(PrivateAddressRefused, match=r"127\.0\.0\.1 resolves to a private address"):
        session.get(httpserver.url_for("/keys"))
    assert internal.reached == []
    assert len(httpserver.log) == 1, "the LMS itself was called"


@pytest.mark.parametrize("variable", ["HTTP_PROXY", "http_proxy", "ALL_PROXY"])
def test_a_proxy_the_environment_names_never_carries_a_call_past_the_guard(
    monkeypatch: pytest.MonkeyPatch, internal: _Internal, variable: str
):
    """requests sends its calls to a proxy the environment names, and through one the guard
    and the deadline held for the hop to the proxy alone: the proxy reached the internal
    service on our behalf."""
    proxy = HTTPServer(host="127.0.0.1", port=0)
    proxy.start()
    try:
        for name in ("NO_PROXY", "no_proxy"):
            monkeypatch.delenv(name, raising=False)
        monkeypatch.setenv(variable, proxy.url_for("/"))
        with pytest.raises(PrivateAddressRefused, match=r"127\.0\.0\.1"):
            lms_session(private_allowed=False).get(internal.url)
        assert proxy.log == [], "the call went through the proxy"
    finally:
        proxy.stop()
    assert internal.reached == []


def test_a_name_the_resolver_does_not_answer_is_given_up_at_the_deadline(
    monkeypatch: pytest.MonkeyPatch,
):
    """The system resolver has no timeout of its own: a DNS server that did not answer held
    the call, and the launch waiting on it, for as long as it took."""
    answered = threading.Event()
    resolve = socket.getaddrinfo

    def unanswered(host: str, *args, **kwargs):
        if host != "slow-dns.lms.example":
            return resolve(host, *args, **kwargs)
        answered.wait(timeout=60)  # the DNS server that has not answered yet
        raise socket.gaierror(socket.EAI_AGAIN, "no answer")

    monkeypatch.setattr(socket, "getaddrinfo", unanswered)
    limits = Limits(connect_seconds=5, read_seconds=5, deadline_seconds=0.5, max_bytes=1024)
    outcome: list[BaseException] = []

    def call() -> None:
        try:
            OutboundSession(limits, public_only=True).get("https://slow-dns.lms.example/keys")
        except BaseException as error:  # reported below
            outcome.append(error)

    caller = threading.Thread(target=call, daemon=True)
    caller.start()
    caller.join(timeout=30)
    answered.set()
    assert not caller.is_alive(), "the call still waited for the name"
    assert len(outcome) == 1
    assert isinstance(outcome[0], DeadlineExceeded)


def _redirect(from_url: str, to: str) -> requests.Response:
    """An LMS's answer redirecting `from_url` to `to`, as requests hands it to the session."""
    answer = requests.Response()
    answer.status_code, answer.url = 302, from_url
    answer.headers["Location"] = to
    return answer


def test_a_redirect_from_https_to_plain_http_is_not_followed_outside_development():
    keys = "https://lms.example.org/keys"
    production = lms_session(private_allowed=False)
    with pytest.raises(RedirectRefused, match="from https to a plain http address"):
        production.get_redirect_target(_redirect(keys, "http://cdn.example.org/keys"))
    assert production.get_redirect_target(_redirect(keys, "/v2/keys")) == "/v2/keys"
    development = lms_session(private_allowed=True)  # the demo and test LMSs speak plain http
    assert development.get_redirect_target(_redirect(keys, "http://localhost/keys"))


def _trainer_with_roster_at(app: Flask, client: FlaskClient, lms: LocalLms, url: str) -> None:
    """A trainer's launch whose roster service is `url`, kept while private calls are allowed."""
    claims = {NRPS_CLAIM: {"context_memberships_url": url, "service_versions": ["2.0"]}}
    assert lms.launch(client, TRAINER, claims=claims).status_code == 302
    with app.app_context():
        assert db.session.scalars(select(Cohort)).one().nrps_url == url


def test_refresh_roster_sends_no_token_to_an_internal_address(
    app: Flask, client: FlaskClient, lms: LocalLms, internal: _Internal
):
    _trainer_with_roster_at(app, client, lms, internal.url)
    lms.server.expect_request("/lms/token", method="POST").respond_with_json(
        {"access_token": "lms-token-abc", "token_type": "bearer", "expires_in": 3600}
    )
    page = client.get("/consultation/")
    with configured(app, private_outbound_allowed=False):
        synced = client.post(
            "/consultation/roster/sync",
            data={"csrf_token": csrf_token(page)},
            follow_redirects=True,
        )
    assert "The roster could not be refreshed" in synced.get_data(as_text=True)
    assert internal.reached == []
    assert [entry for entry, _ in lms.server.log if entry.path == "/lms/token"] == []


@pytest.mark.parametrize(
    ("claims", "named"),
    [
        (
            lambda url: {AGS_CLAIM: {"scope": [SCORE_SCOPE], "lineitems": url}},
            "the AGS line items URL is on a private network address (127.0.0.1)",
        ),
        (
            lambda url: {NRPS_CLAIM: {"context_memberships_url": url, "service_versions": ["2.0"]}},
            "the names and roles URL is on a private network address (127.0.0.1)",
        ),
    ],
    ids=["AGS", "NRPS"],
)
def test_a_launch_naming_a_service_on_a_private_address_is_refused_by_name(
    app: Flask, client: FlaskClient, lms: LocalLms, internal: _Internal, claims, named: str
):
    assert lms.launch(app.test_client(), PRACTITIONER).status_code == 302  # caches its key set
    with configured(app, private_outbound_allowed=False):
        refused = lms.launch(client, TRAINER, claims=claims(internal.url))
    assert refused.status_code == 400
    assert named in refused.get_data(as_text=True)
    with app.app_context():
        assert named in (db.session.scalars(select(Organisation)).one().last_problem_detail or "")
        cohort = db.session.scalars(select(Cohort)).one()
        assert (cohort.ags_lineitems_url, cohort.nrps_url) == (None, None)
    assert lms.launch(client, TRAINER, claims=claims(internal.url)).status_code == 302, (
        "allowed while developing"
    )


def test_an_lms_on_a_private_network_the_operator_names_is_reached(
    app: Flask, client: FlaskClient, lms: LocalLms
):
    """An on-premises Moodle: private to the world, and the LMS to an install beside it."""
    lineitems = {AGS_CLAIM: {"scope": [SCORE_SCOPE], "lineitems": lms.server.url_for("/items")}}
    with configured(app, private_outbound_allowed=False):
        assert lms.launch(app.test_client(), PRACTITIONER).status_code == 502  # key set refused
    with configured(app, private_outbound_allowed=False, lms_private_networks=("127.0.0.0/8",)):
        launched = lms.launch(client, TRAINER, claims=lineitems)
        assert launched.status_code == 302, launched.get_data(as_text=True)
        with app.app_context():  # the operator's networks are the running app's settings
            assert check_url("jwks_uri", "https://127.0.0.1:8443/k", private_allowed=False)
    with app.app_context():
        assert (
            db.session.scalars(select(Cohort)).one().ags_lineitems_url
            == lineitems[AGS_CLAIM]["lineitems"]
        )


# --- Stored URLs may not name a private address -------------------------------------------

PRIVATE_URLS = [
    "https://169.254.169.254/latest/meta-data/iam/",
    "https://10.0.0.5/token",
    "https://127.0.0.1:8443/keys",
    "https://192.168.1.20/jwks",
    "https://100.64.0.1/jwks",
    "https://0.0.0.0/jwks",
    "https://2130706433/jwks",  # 127.0.0.1 written as one number, as resolvers still read it
    "https://0x7f.1/jwks",
    "https://localhost/jwks",
    "https://lms.localhost/jwks",
    "https://[::1]/jwks",
    "https://[::ffff:10.0.0.5]/token",  # IPv4-mapped
    "https://[::ffff:a9fe:a9fe]/",  # 169.254.169.254, mapped, in hex
    "https://[64:ff9b::a00:5]/token",  # NAT64 of 10.0.0.5
    "https://[64:ff9b::7f00:1]/jwks",  # NAT64 of 127.0.0.1
    "https://[2002:a00:5::1]/jwks",  # 6to4 of 10.0.0.5
    "https://[fd00::1]/jwks",  # unique local
    "https://[fe80::1%25eth0]/jwks",  # link-local
    "https://[fec0::1]/jwks",  # site-local
]
PUBLIC_URLS = [
    "https://lms.example.org/jwks",
    "https://8.8.8.8/jwks",
    "https://[2606:4700::1111]/jwks",
    "https://[64:ff9b::808:808]/jwks",  # NAT64 of a public address
]


@pytest.mark.parametrize("url", PRIVATE_URLS)
def test_a_url_to_store_naming_a_private_address_is_refused_outside_development(url: str):
    with pytest.raises(UnusableUrl, match=r"jwks_uri is on a private network address \("):
        check_url("jwks_uri", url, private_allowed=False)
    assert check_url("jwks_uri", url, private_allowed=True) == url


@pytest.mark.parametrize("url", PUBLIC_URLS)
def test_a_url_to_store_on_a_public_address_is_accepted(url: str):
    assert check_url("jwks_uri", url, private_allowed=False) == url


# --- The deadline covers the whole exchange -----------------------------------------------


class _DrippingServer:
    """A raw socket server that reads a request, sends `at_once`, then drips a byte every
    tenth of a second (the header line never ends) for up to DRIP_SECONDS."""

    DRIP_SECONDS = 6

    def __init__(self, at_once: bytes) -> None:
        self.at_once = at_once
        self.stop = threading.Event()
        self.dripped_to_the_end = threading.Event()  # the server gave up before the client
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.listener.getsockname()[1]}/jwks"

    def _serve(self) -> None:
        try:
            with self.listener.accept()[0] as connection:
                self._drip(connection)
        except OSError:
            pass  # the client hung up (as it should, at its deadline) or the test ended

    def _drip(self, connection: socket.socket) -> None:
        request = b""
        while b"\r\n\r\n" not in request and (chunk := connection.recv(65536)):
            request += chunk
        connection.sendall(self.at_once)
        dripped = b"X-Slow: " if self.at_once else b"HTTP/1.1 200 OK\r\n"
        ends = time.monotonic() + self.DRIP_SECONDS
        while not self.stop.wait(0.1):
            if time.monotonic() >= ends:
                self.dripped_to_the_end.set()
                return
            connection.sendall(dripped[:1])
            dripped = dripped[1:] or b"a"

    def close(self) -> None:
        self.stop.set()
        self.listener.close()
        self.thread.join(5)


@pytest.mark.parametrize(
    "at_once", [b"", b"HTTP/1.1 200 OK\r\n"], ids=["status line dripped", "headers dripped"]
)
def test_a_server_dripping_its_answer_is_cut_off_at_the_deadline(at_once: bytes):
    server = _DrippingServer(at_once)
    limits = Limits(connect_seconds=1, read_seconds=0.5, deadline_seconds=1)
    try:
        with pytest.raises(DeadlineExceeded, match="no complete answer within 1 s"):
            OutboundSession(limits).get(server.url)
        # The client hung up while the server still had bytes to drip: the deadline ended it.
        assert not server.dripped_to_the_end.is_set()
    finally:
        server.close()
