"""The living demo in a real browser: after `demo seed`, each role's first launch shows real work."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.support.browser import launch_in_frame

pytestmark = pytest.mark.browser


def test_each_role_launches_into_the_seeded_organisation(page, seeded_demo: str):
    trainer = launch_in_frame(page, seeded_demo, "Sam Okafor")
    trainer.get_by_role("heading", name="People in this cohort").wait_for()
    expect(trainer.get_by_role("heading", name="Attendance to take (1)")).to_be_visible()
    expect(trainer.get_by_role("heading", name="Apologies to decide (1)")).to_be_visible()
    roster = trainer.get_by_role("region", name="People in this cohort")
    expect(roster).to_contain_text("Amara Okonkwo")

    director = launch_in_frame(page, seeded_demo, "Jordan Lee")
    director.get_by_role("link", name="Certification dashboard").click()
    row = director.get_by_role("row", name=re.compile("^Community recovery team"))
    row.wait_for()
    # in training, in consultation, awaiting approval, certified, expiring within 60 days,
    # expired, suspended, revoked, and the program's practitioners: the row adds up
    expect(row.get_by_role("cell")).to_have_text(["21", "9", "0", "8", "1", "0", "0", "1", "40"])
    code = director.get_by_role("link", name=re.compile(r"^(\w{4}-){4}\S$")).first.inner_text()

    page.goto(f"{seeded_demo}/verify/{code}")
    logo = page.get_by_role("img", name="Logo of Open Sky Community Services (demo)")
    expect(logo).to_be_visible()
    assert logo.evaluate("image => image.complete && image.naturalWidth > 0")

    alex = launch_in_frame(page, seeded_demo, "Alex Rivera")
    alex.get_by_role("heading", name="Welcome, Alex Rivera").wait_for()
    checklist = alex.get_by_role("region", name="Certification")
    expect(checklist).to_contain_text("Day 4 and Day 5 of the training not yet complete")
    expect(checklist).to_contain_text("Day 3 competency quiz")
    expect(checklist).not_to_contain_text("Day 2 competency quiz")
