"""Driving Debian's chromium with Playwright: where it is, how it starts, and the page checks
every page must pass (no sideways scrolling, unique ids, axe-core's WCAG A/AA rules)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
AXE = Path(__file__).resolve().parent / "axe" / "axe.min.js"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
WCAG_A_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
PHONE = {"width": 390, "height": 844}

_DUPLICATE_IDS = """() => {
  const seen = {};
  document.querySelectorAll("[id]").forEach((el) => { seen[el.id] = (seen[el.id] || 0) + 1; });
  return Object.keys(seen).filter((id) => seen[id] > 1);
}"""
_SIDEWAYS = """() => {
  const over = document.documentElement.scrollWidth - document.documentElement.clientWidth;
  if (over <= 0) { return null; }
  const scrolls = (el) => ["auto", "scroll", "hidden"].includes(getComputedStyle(el).overflowX);
  const clipped = (el) => { for (let up = el.parentElement; up; up = up.parentElement) {
    if (scrolls(up)) { return true; } } return false; };
  const widest = Array.from(document.querySelectorAll("main *, header *"))
    .filter((el) => el.getBoundingClientRect().right > document.documentElement.clientWidth)
    .filter((el) => !clipped(el))
    .map((el) => el.tagName.toLowerCase() + (el.className ? "." + el.className : ""));
  return over + "px (" + widest.slice(0, 3).join(", ") + ")";
}"""
_FRAME_REPLACING_LINKS = """() => Array.from(document.querySelectorAll("a[href]"))
  .filter((a) => /\\.(pdf|csv|zip)(\\?|$)/.test(new URL(a.href).pathname + new URL(a.href).search)
    && !a.hasAttribute("download") && a.target !== "_blank")
  .map((a) => a.getAttribute("href"))"""
_AXE_RUN = """(tags) => axe.run(document, { runOnly: { type: "tag", values: tags }, resultTypes: ["violations"] }).then((r) =>
  r.violations.map((v) => v.id + ": " + v.help + " at " +
    v.nodes.map((n) => n.target.join(" ")).slice(0, 3).join(", ")))"""


@cache
def _axe_source() -> str:
    return AXE.read_text(encoding="utf-8")


def launch_in_frame(page: Any, live_server: str, who: str) -> Any:
    """Open the demo LMS's course page and launch IMR Academy in its frame as `who`."""
    page.goto(f"{live_server}/demo-lms/")
    page.get_by_role("link", name=who).click()
    return page.frame_locator("iframe[name=tool-frame]")


def launched(page: Any, live_server: str, who: str) -> None:
    """Launch as `who` and wait for their own page (the sign-in pages, or the last person's
    page, are on screen until then)."""
    launch_in_frame(page, live_server, who).locator(".who", has_text=who).wait_for()


def page_problems(page: Any) -> list[str]:
    """What is wrong with the page on screen, each in a line; empty when it passes.

    axe-core is evaluated through the DevTools protocol, which the page's CSP does not govern,
    so the page is checked under the very policy people get.
    """
    problems = [f"duplicate id {found!r}" for found in page.evaluate(_DUPLICATE_IDS)]
    sideways = page.evaluate(_SIDEWAYS)
    if sideways:
        problems.append(f"scrolls sideways by {sideways} at {page.viewport_size['width']}px")
    problems += [
        f"{href} would replace the app in the frame"
        for href in page.evaluate(_FRAME_REPLACING_LINKS)
    ]
    page.evaluate(_axe_source())
    problems += page.evaluate(_AXE_RUN, WCAG_A_AA)
    return problems


def chromium(*extra_args: str) -> Iterator[object]:
    """A headless chromium for a fixture to yield; CI must have it, elsewhere its absence skips."""
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI") == "true":
            pytest.fail("CI must run the browser tests: .ci/run installs Debian's chromium")
        pytest.skip("browser tests need Debian's chromium (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=[*CHROMIUM_ARGS, *extra_args]
        )
        yield launched
        launched.close()


def fresh_page(browser: Any, width: int, height: int, **options: Any) -> Iterator[Any]:
    """A page in a context of its own (no cookies from other tests), for a fixture to yield;
    `options` go to the context as Playwright names them (a `timezone_id`, say)."""
    context = browser.new_context(viewport={"width": width, "height": height}, **options)
    opened = context.new_page()
    opened.set_default_timeout(15_000)
    yield opened
    context.close()
