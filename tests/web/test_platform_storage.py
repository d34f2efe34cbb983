"""Launching inside a cross-site LMS frame with third-party cookies blocked: platform storage.

The browser tests run real Chromium against a test LMS on another site (tests/support/
framing_lms.py); the others drive the same endpoints with the test client, for what a browser
would never send (forged or replayed requests).
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from urllib.parse import parse_qsl, urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from playwright.sync_api import expect

from tests.support.browser import chromium, fresh_page
from tests.support.framing_lms import STORAGE_FRAME, FramingLms
from tests.support.lms import COURSE, LINK, PRACTITIONER, TOOL, LocalLms

SAME_ORIGIN = {"Origin": TOOL, "Sec-Fetch-Site": "same-origin"}  # as the tool's own page posts
ORIGIN_OF_LMS = "http://lms.example.org"


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    # Chromium's own switch for blocking third-party cookies as the phase-out does. The tool's
    # cross-site frame stays in the course page's process: out of process, it changed process
    # at each cross-site step of the launch, and on a loaded machine Playwright lost it about
    # once in fifty launches (the frame showed the home; its locator never saw it). Cookies,
    # partitioning and postMessage, which these tests are about, behave the same either way.
    yield from chromium("--test-third-party-cookie-phaseout", "--disable-site-isolation-trials")


@pytest.fixture
def page(browser) -> Iterator[object]:
    yield from fresh_page(browser, 1200, 1000)


@pytest.fixture
def course(lms: LocalLms, live_server: str) -> FramingLms:
    assert urlsplit(lms.platform.issuer).hostname != urlsplit(live_server).hostname
    return FramingLms.serve(lms, live_server, [PRACTITIONER])


STORAGE_SUBJECTS = {"lti.put_data", "lti.get_data"}


def _storage_messages(page, target: str) -> list[dict]:
    """The storage requests the LMS window received (the parent also hears lti.frameResize)."""
    window = page.frame(name=STORAGE_FRAME) if target == STORAGE_FRAME else page.main_frame
    return [m for m in window.evaluate("received") if m["data"].get("subject") in STORAGE_SUBJECTS]


@pytest.mark.browser
@pytest.mark.parametrize("target", [STORAGE_FRAME, "_parent"])
def test_a_framed_launch_keeps_its_state_in_the_lms_storage_and_stays_signed_in(
    page, course: FramingLms, live_server: str, target: str
):
    page.goto(course.course_url(PRACTITIONER, storage=target))
    frame = page.frame_locator("iframe[name=tool-frame]")
    frame.get_by_role("heading", name="Welcome, Maya Chen").wait_for()
    frame.get_by_role("link", name="Go to your quizzes").click()  # the session carries on
    frame.get_by_role("heading", name="Competency quizzes").wait_for()
    sent = _storage_messages(page, target)
    assert {m["origin"] for m in sent} == {live_server}
    subjects = [m["data"]["subject"] for m in sent]
    assert subjects.count("lti.put_data") == 2
    assert subjects.count("lti.get_data") == 2  # only a launch without its cookie asks
    keys = sorted(m["data"]["key"].split("_", 1)[0] for m in sent)
    assert keys == ["nonce", "nonce", "state", "state"]


@pytest.mark.browser
def test_without_platform_storage_the_blocked_frame_offers_a_new_window(page, course: FramingLms):
    page.goto(course.course_url(PRACTITIONER, storage=""))
    frame = page.frame_locator("iframe[name=tool-frame]")
    # The proof that this browser blocks the tool's cookies in the frame.
    frame.get_by_text("does not allow IMR Academy to sign you in inside this page").wait_for()
    with page.expect_popup() as opened:
        frame.get_by_role("link", name="Open IMR Academy in a new window").click()
    window = opened.value
    window.get_by_role("heading", name="Welcome, Maya Chen").wait_for()


@pytest.mark.browser
def test_values_the_lms_storage_does_not_confirm_are_refused(page, course: FramingLms):
    page.goto(course.course_url(PRACTITIONER, tamper=True))
    frame = page.frame_locator("iframe[name=tool-frame]")
    frame.get_by_role("heading", name="Your LMS page could not confirm this sign-in").wait_for()
    expect(frame.get_by_role("heading", name="Welcome, Maya Chen")).to_have_count(0)


# --- What a browser would never send: the same endpoints through the test client ----------


def _data(page: str, name: str) -> str:
    found = re.search(rf'{name}="([^"]*)"', page)
    assert found, name
    return html.unescape(found.group(1))


def _storage_login(client: FlaskClient, lms: LocalLms) -> dict[str, str]:
    """The login with a storage target: the page's values, as its script would post them."""
    params = {**lms.platform.login_initiation(PRACTITIONER, LINK), "lti_storage_target": "lms"}
    page = client.get("/lti/login", query_string=params).get_data(as_text=True)
    names = ("data-target", "data-platform-origin", "data-state-key", "data-state")
    values = {name: _data(page, name) for name in (*names, "data-nonce-key", "data-nonce")}
    values["authorise"] = _data(page, "data-authorise-url")
    return values


def _launch_page(app: Flask, lms: LocalLms, login: dict[str, str]) -> tuple[FlaskClient, dict]:
    """The LMS's launch, posted by a browser that kept no cookie: the storage launch page."""
    browser = app.test_client()
    request = dict(parse_qsl(urlsplit(login["authorise"]).query))
    fields = lms.platform.launch(request, PRACTITIONER, COURSE, LINK)
    page = browser.post("/lti/launch", data=fields, headers={"Origin": ORIGIN_OF_LMS})
    assert page.status_code == 200
    assert "platform-storage-form" in page.get_data(as_text=True)
    return browser, fields


def _check(browser: FlaskClient, fields: dict, state: str, nonce: str, origin: str = TOOL):
    form = {**fields, "stored_state": state, "stored_nonce": nonce}
    headers = {"Origin": origin, "Sec-Fetch-Site": "same-origin"}
    return browser.post("/lti/launch/storage", data=form, headers=headers)


def test_a_storage_login_puts_state_and_nonce_for_the_lms_origin_only(
    client: FlaskClient, lms: LocalLms
):
    login = _storage_login(client, lms)
    assert login["data-target"] == "lms"
    assert login["data-platform-origin"] == "http://" + urlsplit(lms.platform.issuer).netloc
    assert login["data-state-key"] == "state_" + login["data-state"]
    assert login["data-nonce-key"] == "nonce_" + login["data-nonce"]
    assert login["authorise"].startswith(lms.platform.issuer + "/auth?")


def test_the_launch_token_is_exchanged_once_for_a_partitioned_session(
    app: Flask, client: FlaskClient, lms: LocalLms
):
    login = _storage_login(client, lms)
    browser, fields = _launch_page(app, lms, login)
    checked = _check(browser, fields, login["data-state"], login["data-nonce"])
    assert checked.status_code == 200
    token = _data(checked.get_data(as_text=True), 'name="token" value')
    exchanged = browser.post("/lti/session", data={"token": token}, headers=SAME_ORIGIN)
    assert exchanged.location == "/practitioner"
    cookie = next(c for c in exchanged.headers.getlist("Set-Cookie") if "imr_session=" in c)
    assert {"Secure", "SameSite=None", "Partitioned"} <= {p.strip() for p in cookie.split(";")}
    assert browser.get("/practitioner").status_code == 200
    again = app.test_client().post("/lti/session", data={"token": token}, headers=SAME_ORIGIN)
    assert again.status_code == 401
    assert _check(browser, fields, login["data-state"], login["data-nonce"]).status_code == 401


def test_a_storage_check_sent_by_another_site_is_refused(
    app: Flask, client: FlaskClient, lms: LocalLms
):
    login = _storage_login(client, lms)
    browser, fields = _launch_page(app, lms, login)
    forged = _check(browser, fields, login["data-state"], login["data-nonce"], "https://evil.test")
    assert forged.status_code == 403
    assert "not finished by IMR Academy" in forged.get_data(as_text=True)
    assert browser.get("/practitioner").status_code == 401


def test_a_nonce_the_lms_storage_did_not_give_back_is_refused_and_spends_the_login(
    app: Flask, client: FlaskClient, lms: LocalLms
):
    login = _storage_login(client, lms)
    browser, fields = _launch_page(app, lms, login)
    wrong = _check(browser, fields, login["data-state"], "nonce-of-another-login")
    assert wrong.status_code == 401
    assert "could not confirm this sign-in" in wrong.get_data(as_text=True)
    retried = _check(browser, fields, login["data-state"], login["data-nonce"])
    assert retried.status_code == 401
    assert browser.get("/practitioner").status_code == 401
