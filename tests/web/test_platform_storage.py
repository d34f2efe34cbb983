"""Launching inside a cross-site LMS frame with third-party cookies blocked: platform storage.

The browser tests run real Chromium against a test LMS on another site (tests/support/
framing_lms.py); the others drive the same endpoints with the test client, for what a browser
would never send (forged or replayed requests).
"""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from tests.support.browser import chromium
from tests.support.framing_lms import STORAGE_FRAME, FramingLms
from tests.support.lms import PRACTITIONER, LocalLms

TOOL_ORIGIN = "http://localhost"  # the test client's PUBLIC_URL


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    # Chromium's own switch for blocking third-party cookies as the phase-out does.
    yield from chromium("--test-third-party-cookie-phaseout")


@pytest.fixture
def page(browser) -> Iterator[object]:
    context = browser.new_context(viewport={"width": 1200, "height": 1000})
    opened = context.new_page()
    opened.set_default_timeout(15_000)
    yield opened
    context.close()


@pytest.fixture
def course(lms: LocalLms, live_server: str) -> FramingLms:
    assert urlsplit(lms.platform.issuer).hostname != urlsplit(live_server).hostname
    return FramingLms.serve(lms, live_server, [PRACTITIONER])


def _storage_messages(page) -> list[dict]:
    return page.frame(name=STORAGE_FRAME).evaluate("received")


@pytest.mark.browser
def test_a_framed_launch_keeps_its_state_in_the_lms_storage_and_stays_signed_in(
    page, course: FramingLms, live_server: str
):
    page.goto(course.course_url(PRACTITIONER))
    frame = page.frame_locator("iframe[name=tool-frame]")
    frame.get_by_role("heading", name="Welcome, Maya Chen").wait_for()
    frame.get_by_role("link", name="Go to your quizzes").click()  # the session carries on
    frame.get_by_role("heading", name="Competency quizzes").wait_for()
    sent = _storage_messages(page)
    assert {m["origin"] for m in sent} == {live_server}
    subjects = [m["data"]["subject"] for m in sent]
    assert subjects.count("lti.put_data") == 2
    assert subjects.count("lti.get_data") == 2
    keys = sorted(m["data"]["key"].split("_", 1)[0] for m in sent)
    assert keys == ["nonce", "nonce", "state", "state"]


@pytest.mark.browser
def test_without_platform_storage_the_blocked_frame_offers_a_new_window(page, course: FramingLms):
    page.goto(course.course_url(PRACTITIONER, storage=False))
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
