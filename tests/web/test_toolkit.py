"""The toolkit on screen and on paper: every item's PDF, the cache, search, and module links."""

from __future__ import annotations

import io
import re
from dataclasses import replace

import pytest
from flask import Flask
from flask.testing import FlaskClient
from pypdf import PdfReader
from sqlalchemy import select

from app.domain.toolkit import Toolkit
from app.extensions import db
from app.models.training import ToolkitPdf
from app.pdf.toolkit import render
from tests.support.content import content_changed, content_of
from tests.support.lms import DIRECTOR, PRACTITIONER, TRAINER, LocalLms
from tests.support.pdf import pdf_text
from tests.support.toolkit import fixture_toolkit


def _toolkit(app: Flask) -> Toolkit:
    return content_of(app).toolkit


def _words(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _outline(pdf: bytes) -> list[str]:
    reader = PdfReader(io.BytesIO(pdf))
    flat: list[str] = []

    def walk(entries) -> None:
        for entry in entries:
            if isinstance(entry, list):
                walk(entry)
            else:
                flat.append(_words(entry.title))

    walk(reader.outline)
    return flat


def test_every_item_prints_with_its_title_headings_and_organisation(
    app: Flask, client: FlaskClient, lms: LocalLms
):
    lms.launch(client, TRAINER)  # a trainer sees every kind, the trainer's guide too
    for item in _toolkit(app).items:
        response = client.get(f"/toolkit/{item.id}.pdf")
        assert response.status_code == 200
        assert response.mimetype == "application/pdf"
        text = pdf_text(response.data)
        assert _words(item.title) in text, item.id
        assert "Riverside Mental Health" in text  # the organisation, in the footer
        headings = [_words(section.heading) for section in item.sections]
        assert all(heading in text for heading in headings), item.id
        outline = _outline(response.data)
        assert outline[0] == _words(item.title)
        assert all(any(entry.startswith(h) for entry in outline) for h in headings), item.id
        metadata = PdfReader(io.BytesIO(response.data)).metadata
        assert metadata.title == item.title


def test_the_practitioners_notes_stay_off_a_worksheet(app: Flask, client: FlaskClient, lms):
    lms.launch(client, PRACTITIONER)
    toolkit = _toolkit(app)
    worksheet = toolkit.item("weekly-action-plan")
    plan = toolkit.item("recovery-strategies")
    assert "For the practitioner" not in pdf_text(
        client.get("/toolkit/weekly-action-plan.pdf").data
    )
    assert _words(worksheet.practitioner_notes[0])[:60] not in pdf_text(
        client.get("/toolkit/weekly-action-plan.pdf").data
    )
    plan_text = pdf_text(client.get("/toolkit/recovery-strategies.pdf").data)
    assert "For the practitioner" in plan_text
    assert _words(plan.practitioner_notes[0])[:60] in plan_text


def test_large_print_is_bigger_and_the_same_version_gives_the_same_file(
    app: Flask, client: FlaskClient, lms: LocalLms
):
    lms.launch(client, PRACTITIONER)
    normal = client.get("/toolkit/relapse-prevention-plan.pdf").data
    large = client.get("/toolkit/relapse-prevention-plan.pdf?print=large").data
    assert len(PdfReader(io.BytesIO(large)).pages) > len(PdfReader(io.BytesIO(normal)).pages)
    assert client.get("/toolkit/relapse-prevention-plan.pdf").data == normal
    with app.app_context():
        rows = db.session.scalars(
            select(ToolkitPdf).filter_by(item_id="relapse-prevention-plan")
        ).all()
        assert sorted(row.large_print for row in rows) == [False, True]  # built once each


def test_a_new_content_version_replaces_the_cached_pdf(
    app: Flask, client: FlaskClient, lms: LocalLms
):
    lms.launch(client, PRACTITIONER)
    first = client.get("/toolkit/coping-plan.pdf").data
    toolkit = _toolkit(app)
    edited = replace(toolkit.item("coping-plan"), title="My coping plan (edited)", version="edited")
    changed = Toolkit(tuple(edited if i.id == "coping-plan" else i for i in toolkit.items))
    with content_changed(app, toolkit=changed):
        second = client.get("/toolkit/coping-plan.pdf").data
    assert second != first
    assert "My coping plan (edited)" in pdf_text(second)
    with app.app_context():
        [row] = db.session.scalars(select(ToolkitPdf).filter_by(item_id="coping-plan")).all()
        assert row.content_version == "edited"


def _main(page: str) -> str:
    """The page's own content, without the header every page shares (its sign-out form)."""
    return page.split("<main", 1)[1].split("</main>", 1)[0]


def test_an_item_page_shows_every_section_and_never_asks_for_input(
    app: Flask, client: FlaskClient, lms: LocalLms
):
    lms.launch(client, PRACTITIONER)
    for item in _toolkit(app).items:
        if item.kind.trainers_only:
            continue  # refused to practitioners: see the trainer's guide test
        page = client.get(f"/toolkit/{item.id}").get_data(as_text=True)
        for section in item.sections:
            assert section.heading.replace("'", "&#39;") in page
        assert not re.search(r"<(input|textarea|select)\b", _main(page)), item.id
        assert f'href="/toolkit/{item.id}.pdf?print=large"' in page


def test_module_pages_link_the_materials_they_use_and_the_links_resolve(
    app: Flask, client: FlaskClient, lms: LocalLms
):
    lms.launch(client, TRAINER)
    toolkit = _toolkit(app)
    modules = {module for item in toolkit.items for module in item.modules}
    for module in modules:
        page = client.get(f"/training/module/{module}").get_data(as_text=True)
        links = re.findall(r'href="(/toolkit/[a-z0-9-]+)"', page)
        assert {f"/toolkit/{i.id}" for i in toolkit.for_module(module)} == set(links), module
        for link in links:
            item_page = client.get(link)
            assert item_page.status_code == 200
            assert f'href="/training/module/{module}"' in item_page.get_data(as_text=True)


@pytest.mark.parametrize(
    ("query", "expected", "absent"),
    [
        ({"words": "early warning signs"}, "relapse-prevention-plan", "coping-plan"),
        ({"topic_area": "medication"}, "medication-routine", "coping-plan"),
        ({"kind": "checklist", "format": "group"}, "group-facilitation", "medication-routine"),
        (
            {"strategy": "motivational", "kind": "worksheet"},
            "pros-and-cons-of-change",
            "medication",
        ),
    ],
)
def test_the_toolkit_can_be_searched_and_filtered(
    client: FlaskClient, lms: LocalLms, query, expected, absent
):
    lms.launch(client, PRACTITIONER)
    page = client.get("/toolkit/", query_string=query).get_data(as_text=True)
    assert f'href="/toolkit/{expected}"' in page
    assert f'href="/toolkit/{absent}"' not in page


def test_an_unknown_filter_value_is_ignored_and_an_unknown_item_is_404(
    app: Flask, client: FlaskClient, lms: LocalLms
):
    lms.launch(client, PRACTITIONER)
    page = client.get("/toolkit/", query_string={"topic_area": "astrology"}).get_data(as_text=True)
    shown = [item for item in _toolkit(app).items if not item.kind.trainers_only]
    assert f"{len(shown)} items" in page
    missing = client.get("/toolkit/no-such-sheet")
    assert missing.status_code == 404
    assert "no toolkit item with that name" in missing.get_data(as_text=True)
    assert client.get("/toolkit/no-such-sheet.pdf").status_code == 404


def test_the_self_check_prints_the_competency_rubric(app: Flask, client: FlaskClient, lms):
    lms.launch(client, PRACTITIONER)
    text = pdf_text(client.get("/toolkit/session-fidelity-self-check.pdf").data)
    for item in content_of(app).rubric.items:
        assert _words(item.title) in text


# Toolkit v2 (#20): handouts, leaflets, the trainer's guide, sequences, using the fixture toolkit.


@pytest.fixture
def v2(app: Flask):
    with fixture_toolkit(app) as toolkit:
        yield toolkit


NEW_KINDS = ["medication-handout", "for-supporters", "trainer-guide-day-1", "consultation-guide"]


@pytest.mark.parametrize("item_id", NEW_KINDS)
def test_each_new_kind_prints_with_its_headings_and_large_print_has_more_pages(
    app: Flask, client: FlaskClient, lms: LocalLms, v2: Toolkit, item_id: str
):
    lms.launch(client, TRAINER)
    item = v2.item(item_id)
    response = client.get(f"/toolkit/{item_id}.pdf")
    assert response.status_code == 200
    text = pdf_text(response.data)
    assert _words(item.title) in text
    assert "Riverside Mental Health" in text
    for section in item.sections:
        assert _words(section.heading) in text, section.heading
    large = client.get(f"/toolkit/{item_id}.pdf?print=large").data
    assert large != response.data
    assert _words(item.title) in pdf_text(large)
    # the fixture items are short, so compare the print sizes on a longer copy of each
    longer = replace(item, sections=item.sections * 4)
    pages = [
        len(PdfReader(io.BytesIO(render(longer, "Riverside", big))).pages) for big in (False, True)
    ]
    assert pages[1] > pages[0]


def test_the_agenda_prints_and_shows_as_a_timed_table(
    client: FlaskClient, lms: LocalLms, v2: Toolkit
):
    lms.launch(client, TRAINER)
    text = pdf_text(client.get("/toolkit/trainer-guide-day-1.pdf").data)
    assert "Time Min Activity How" in text
    assert "10:15–12:00 105 The session structure" in text
    assert "Read before the day" in text
    page = client.get("/toolkit/trainer-guide-day-1").get_data(as_text=True)
    assert '<td>10:15–12:00</td><td>105</td><th scope="row">The session structure</th>' in page
    assert 'href="/training/module/session-structure"' in page
    consultation = client.get("/toolkit/consultation-guide").get_data(as_text=True)
    assert "Skill focuses for the weeks after training" in consultation
    assert "Keeping the session structure" in consultation
    assert "Thought records" in pdf_text(client.get("/toolkit/consultation-guide.pdf").data)


def test_the_handouts_group_version_is_shown_and_printed_apart(
    app: Flask, client: FlaskClient, lms: LocalLms, v2: Toolkit
):
    lms.launch(client, PRACTITIONER)
    single = client.get("/toolkit/medication-handout").get_data(as_text=True)
    group = client.get("/toolkit/medication-handout?version=group").get_data(as_text=True)
    assert "A group planning round" not in single
    assert "A group planning round" in group
    assert 'href="/toolkit/medication-handout?version=group"' in single
    assert 'href="/toolkit/medication-handout.pdf?version=group"' in group
    assert "Questions to think about" in single
    normal_pdf = client.get("/toolkit/medication-handout.pdf").data
    group_pdf = client.get("/toolkit/medication-handout.pdf?version=group").data
    assert "A group planning round" in pdf_text(group_pdf)
    assert "A group planning round" not in pdf_text(normal_pdf)
    assert "Talk about this with the group." in pdf_text(group_pdf)
    assert "Read it together a section at a time" not in pdf_text(normal_pdf)  # the reader's copy
    assert client.get("/toolkit/medication-handout.pdf").data == normal_pdf
    with app.app_context():
        keys = {row.item_id for row in db.session.scalars(select(ToolkitPdf)).all()}
    assert keys == {"medication-handout", "medication-handout@group"}


def test_a_plan_links_its_sequence_materials_and_adaptations(
    client: FlaskClient, lms: LocalLms, v2: Toolkit
):
    lms.launch(client, PRACTITIONER)
    page = client.get("/toolkit/medication-2").get_data(as_text=True)
    assert "Session 2 of 4" in page
    assert 'Previous: <a href="/toolkit/medication-1">' in page
    assert "Next:" not in page  # session 3 has no plan in the fixture
    assert 'Group version: <a href="/toolkit/medication-2-group">' in page
    assert 'Handout: <a href="/toolkit/medication-handout">' in page
    assert "Trauma-informed practice" in page
    assert "stop whenever they wish" in page
    first = client.get("/toolkit/medication-1").get_data(as_text=True)
    assert 'Next: <a href="/toolkit/medication-2">' in first
    assert 'Worksheet: <a href="/toolkit/thought-record">' in first
    group = client.get("/toolkit/medication-2-group").get_data(as_text=True)
    assert 'For one person: <a href="/toolkit/medication-2">' in group
    assert 'href="/toolkit/medication-handout?version=group"' in group
    assert "Session 2 of 4, group" in pdf_text(client.get("/toolkit/medication-2-group.pdf").data)
    handout = client.get("/toolkit/medication-handout").get_data(as_text=True)
    for plan in ("medication-1", "medication-2", "medication-2-group"):
        assert f'<li><a href="/toolkit/{plan}">' in handout
    sheet = client.get("/toolkit/thought-record").get_data(as_text=True)
    assert '<li><a href="/toolkit/medication-1">' in sheet


def test_new_pages_never_ask_for_input(client: FlaskClient, lms: LocalLms, v2: Toolkit):
    lms.launch(client, TRAINER)
    for item_id in [*NEW_KINDS, "medication-1", "medication-2-group", "thought-record"]:
        page = client.get(f"/toolkit/{item_id}").get_data(as_text=True)
        assert not re.search(r"<(input|textarea|select)\b", _main(page)), item_id


def test_the_trainers_guide_is_for_trainers_and_directors_only(
    app: Flask, lms: LocalLms, v2: Toolkit
):
    practitioner = app.test_client()
    lms.launch(practitioner, PRACTITIONER)
    for url in ("/toolkit/trainer-guide-day-1", "/toolkit/consultation-guide.pdf"):
        refused = practitioner.get(url)
        assert refused.status_code == 403
        assert "for trainers and directors" in refused.get_data(as_text=True)
    listing = practitioner.get("/toolkit/").get_data(as_text=True)
    assert "trainer-guide-day-1" not in listing
    assert 'value="trainer-guide"' not in listing
    assert "trainer-guide" not in practitioner.get(
        "/toolkit/", query_string={"kind": "trainer-guide"}
    ).get_data(as_text=True)
    for user in (TRAINER, DIRECTOR):
        client = app.test_client()
        lms.launch(client, user)
        assert client.get("/toolkit/trainer-guide-day-1").status_code == 200
        assert client.get("/toolkit/trainer-guide-day-1.pdf").status_code == 200
        found = client.get("/toolkit/", query_string={"kind": "trainer-guide"})
        assert 'href="/toolkit/trainer-guide-day-1"' in found.get_data(as_text=True)
        assert 'href="/toolkit/consultation-guide"' in found.get_data(as_text=True)
