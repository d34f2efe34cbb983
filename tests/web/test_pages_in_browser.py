"""Finding one's way in a real browser: each role's navigation, locked days, the LMS frame, and
a walk over every page of every role checked at phone width (no sideways scrolling, unique ids,
axe-core WCAG A/AA, downloads that never replace the app in the frame)."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from urllib.parse import parse_qs, urljoin, urlsplit

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from tests.support.browser import ARTIFACTS, PHONE, launch_in_frame, launched, page_problems
from tests.support.journey import seed_a_living_cohort

pytestmark = pytest.mark.browser

HOMES = {
    "Alex Rivera": ("Welcome, Alex Rivera", "Toolkit", "Practitioner toolkit"),
    "Sam Okafor": ("People in this cohort", "Consultation", "Weekly consultation"),
    "Jordan Lee": ("Open Sky Community Services (demo)", "Fidelity", "Fidelity reviews"),
}
NOT_PAGES = re.compile(r"\.(pdf|csv|zip|jwt|ics|json)$|^/(lti|demo-lms)/|/jwks$|/issuers/")
PAGES_PER_FOLDER = 4


@pytest.mark.parametrize("who", list(HOMES))
def test_each_role_has_a_navigation_bar_marking_where_it_is(page, live_server: str, who: str):
    heading, place, place_heading = HOMES[who]
    frame = launch_in_frame(page, live_server, who)
    frame.get_by_role("heading", name=heading).wait_for()
    nav = frame.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="Home")).to_have_attribute("aria-current", "page")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"nav-{who.split()[0].lower()}-home.png"))
    target = nav.get_by_role("link", name=place)
    nav.get_by_role("link", name="Home").focus()
    for _ in range(nav.get_by_role("link").count()):  # the keyboard reaches it by Tab
        if target.evaluate("a => a === document.activeElement"):
            break
        page.keyboard.press("Tab")
    assert target.evaluate("a => a === document.activeElement")
    page.keyboard.press("Enter")
    frame.get_by_role("heading", name=place_heading, level=1).wait_for()
    expect(nav.get_by_role("link", name=place)).to_have_attribute("aria-current", "page")
    expect(nav.locator("[aria-current]")).to_have_count(1)


def test_the_navigation_folds_behind_a_menu_button_on_a_phone(page, live_server: str):
    page.set_viewport_size(PHONE)
    frame = launch_in_frame(page, live_server, "Alex Rivera")
    frame.get_by_role("heading", name="Welcome, Alex Rivera").wait_for()
    menu = frame.get_by_role("button", name="Menu")
    training = frame.get_by_role("navigation", name="Main").get_by_role("link", name="Training")
    expect(training).to_be_hidden()
    menu.focus()
    page.keyboard.press("Enter")
    expect(menu).to_have_attribute("aria-expanded", "true")
    expect(training).to_be_visible()
    training.focus()
    page.keyboard.press("Escape")
    expect(training).to_be_hidden()
    assert menu.evaluate("button => button === document.activeElement")


def test_a_deep_page_shows_its_breadcrumbs(page, live_server: str, app):
    from tests.support.content import content_of

    first = content_of(app).catalog.ordered_modules[0]
    frame = launch_in_frame(page, live_server, "Alex Rivera")
    frame.get_by_role("link", name="Day 1:").first.click()
    trail = frame.get_by_role("navigation", name="Breadcrumb")
    expect(trail.get_by_role("listitem")).to_have_text(["Home", "Training", "Day 1"])
    expect(trail.get_by_text("Day 1")).to_have_attribute("aria-current", "page")
    frame.get_by_role("link", name=first.title).click()
    frame.get_by_label("Yes, my trainers may read my reflections").check()  # asked once, first
    frame.get_by_role("button", name="Save my choice").click()
    frame.get_by_role("heading", name=first.title, level=1).wait_for()
    trail.get_by_role("link", name="Day 1").click()
    frame.get_by_role("heading", name=re.compile("^Day 1:"), level=1).wait_for()


def test_a_locked_day_and_its_quiz_say_when_they_open(page, live_server: str):
    frame = launch_in_frame(page, live_server, "Alex Rivera")
    frame.get_by_role("heading", name="Welcome, Alex Rivera").wait_for()
    expect(frame.locator(".day-list")).to_contain_text("Day 2 opens when Day 1 is complete.")
    page.goto(f"{live_server}/training/day/3")
    expect(page.get_by_role("heading", level=1)).to_have_text("Day 3 is not open yet")
    expect(page.locator("main")).to_contain_text("Day 3 opens when Day 1 and Day 2 are complete.")
    expect(page.locator("main")).not_to_contain_text("not part of your role")
    page.goto(f"{live_server}/quizzes/")
    page.get_by_role("row").filter(has_text="Day 2 competency quiz").get_by_role("button").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("is not open yet")
    expect(page.locator("main")).to_contain_text("Day 2 opens when Day 1 is complete.")


def test_the_tool_asks_the_lms_to_fit_the_frame_to_the_page(page, live_server: str):
    page.goto(f"{live_server}/demo-lms/")
    page.evaluate("""() => { window.resizes = [];
      window.addEventListener("message", (e) => {
        if (e.data && e.data.subject === "lti.frameResize") { window.resizes.push(e.data.height); }
      }); }""")
    page.get_by_role("link", name="Alex Rivera").click()
    frame = page.frame_locator("iframe[name=tool-frame]")
    frame.get_by_role("heading", name="Welcome, Alex Rivera").wait_for()
    page.wait_for_function("() => window.resizes.length > 0")
    first = page.evaluate("() => window.resizes[window.resizes.length - 1]")
    assert first > 400
    frame.locator("main").evaluate("main => { main.style.paddingBottom = '1500px'; }")
    taller = first + 1400  # the padding replaces main's own
    page.wait_for_function(f"() => window.resizes.some((height) => height >= {taller})")
    box = page.locator("iframe[name=tool-frame]").bounding_box()
    assert box["height"] >= taller, "the demo LMS grows its frame as an LMS does"


def test_the_tool_has_a_favicon(page, live_server: str):
    launch_in_frame(page, live_server, "Alex Rivera").get_by_role(
        "heading", name="Welcome, Alex Rivera"
    ).wait_for()
    href = page.frame(name="tool-frame").locator("link[rel=icon]").get_attribute("href")
    icon = page.request.get(urljoin(live_server, href))
    assert icon.ok
    assert icon.headers["content-type"].startswith("image/svg+xml")
    assert b"<svg" in icon.body()


def _folder(path: str) -> str:
    """The folder a page counts against: an index page (`/certification/`) is one of its own,
    so the top-level pages do not crowd each other out of the walk."""
    return path if path.endswith("/") else path.rsplit("/", 1)[0]


def _walk(page, live_server: str, starts: list[str]) -> dict[str, list[str]]:
    """Every page reachable from `starts` by the links on them (a few per folder), checked."""
    queue, seen, problems = list(starts), set(starts), {}
    per_folder: Counter[str] = Counter()
    while queue:
        path = queue.pop(0)
        response = page.goto(urljoin(live_server, path))
        found = [] if response.ok else [f"answered {response.status}"]
        problems[path] = found + page_problems(page)
        for href in page.eval_on_selector_all(
            "a[href]:not([download])", "links => links.map((a) => a.href)"
        ):
            parts = urlsplit(href)
            if f"{parts.scheme}://{parts.netloc}" != live_server or NOT_PAGES.search(parts.path):
                continue
            if parts.path in seen or per_folder[_folder(parts.path)] >= PAGES_PER_FOLDER:
                continue
            seen.add(parts.path)
            per_folder[_folder(parts.path)] += 1
            queue.append(parts.path)
    return problems


def _public_certificate(app) -> str:
    """Priya's certificate's code, its organisation given a logo for the page to show."""
    from app.extensions import db
    from app.models.certification import Certificate
    from app.services.logos import save_logo
    from tests.support.images import logo_png

    with app.app_context():
        certificate = db.session.scalars(select(Certificate)).one()
        save_logo(certificate.organisation_id, None, logo_png())
        db.session.commit()
        return certificate.code


# Pages a role's walk starts from besides its home (deep pages the per-folder limit would skip).
MORE_STARTS = {"Jordan Lee": ["/certification/logo"]}


def test_every_page_of_every_role_fits_a_phone_and_passes_axe(page, live_server: str, app):
    for who in ("Alex Rivera", "Priya Nair", "Sam Okafor", "Jordan Lee"):
        launched(page, live_server, who)
    starts = {**MORE_STARTS, "Alex Rivera": seed_a_living_cohort(app)}
    code = _public_certificate(app)
    page.set_viewport_size(PHONE)
    walked: dict[str, list[str]] = {}
    for who in ("Alex Rivera", "Priya Nair", "Sam Okafor", "Jordan Lee"):
        launched(page, live_server, who)
        home = urlsplit(page.frame(name="tool-frame").url).path
        pages = _walk(page, live_server, [home, *starts.get(who, [])])
        walked |= {f"{who} {path}": found for path, found in pages.items()}
    for quiz_page in (r"/quizzes/attempts/\d+$", r"/quizzes/attempts/\d+/summary$", r"/result$"):
        assert any(re.search(quiz_page, where) for where in walked), quiz_page
    page.context.clear_cookies()  # the public pages as a stranger sees them
    walked |= {
        f"a stranger {path}": found
        for path, found in _walk(page, live_server, [f"/verify/{code}"]).items()
    }
    failing = {where: found for where, found in walked.items() if found}
    assert len(walked) > 40, sorted(walked)
    for linked in ("/trainer/queues/behind", "/trainer/queues/ready", "/consultation/"):
        assert f"Sam Okafor {linked}" in walked, sorted(walked)  # each home's queues are walked
    for top in ("Alex Rivera /certification/", "Jordan Lee /connection"):
        assert top in walked, sorted(walked)  # top-level pages are not crowded out by the home
    assert "Jordan Lee /certification/audit" in walked, sorted(walked)
    assert not failing, "\n".join(
        f"{where}: {'; '.join(found)}" for where, found in failing.items()
    )


def test_a_stranger_copies_the_link_and_finds_linkedin_and_the_badge(page, live_server: str, app):
    import jwt

    for who in ("Alex Rivera", "Priya Nair", "Sam Okafor"):  # the people the seed needs
        launched(page, live_server, who)
    seed_a_living_cohort(app)
    code = _public_certificate(app)
    address = f"{live_server}/verify/{code}"
    page.context.clear_cookies()
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server)
    page.goto(address)
    expect(page.get_by_role("heading", level=2, name=re.compile("Valid until"))).to_be_visible()
    expect(
        page.get_by_role("img", name="Logo of Open Sky Community Services (demo)")
    ).to_be_visible()
    copy = page.get_by_role("button", name="Copy link")
    copy.focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("status").filter(has_text="Link copied")).to_be_visible()
    assert page.evaluate("() => navigator.clipboard.readText()") == address
    expect(page.get_by_label("Link to this page")).to_have_value(address)
    linkedin = page.get_by_role("link", name=re.compile("^Add to LinkedIn"))
    expect(linkedin).to_have_attribute("target", "_blank")
    fields = parse_qs(urlsplit(linkedin.get_attribute("href")).query)
    assert fields["startTask"] == ["CERTIFICATION_NAME"]
    assert (fields["certUrl"], fields["certId"]) == ([address], [code])
    with page.expect_download() as downloading:
        page.get_by_role("link", name="Download the badge").click()
    badge = downloading.value
    assert (
        badge.suggested_filename == f"imr-badge-{code[:19]}.jwt"
    )  # the code less its check symbol
    claims = jwt.decode(Path(badge.path()).read_text(), options={"verify_signature": False})
    assert (claims["sub"], claims["jti"]) == ("Priya Nair", f"{address}/badge.jwt")
