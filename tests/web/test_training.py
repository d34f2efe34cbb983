"""The five-day training through the web: practice, progress, day unlocking, the trainer's grid."""

from __future__ import annotations

import csv
import io
import re
import shutil
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from app.content.loader import load_catalog
from app.content.model import TOPIC_AREAS, ActivityType, Catalog
from app.extensions import db
from app.models.people import Person
from app.models.training import ActivityResponse, ModuleCompletion
from app.services.training import progress_of, save_response
from config import ROOT_DIR
from tests.support.content import content_of
from tests.support.journey import complete_module
from tests.support.lms import COURSE, PRACTITIONER, PRACTITIONER_2, TRAINER, LocalLms, csrf_token


@pytest.fixture
def catalog(app: Flask) -> Catalog:
    return content_of(app).catalog


def _practitioner(
    app: Flask, lms: LocalLms, user=PRACTITIONER, consent: str = "yes"
) -> tuple[FlaskClient, str]:
    client = app.test_client()
    lms.launch(client, user)
    token = csrf_token(client.get("/practitioner"))
    client.post("/training/consent", data={"shares": consent, "csrf_token": token})
    return client, token


def _complete_module(client: FlaskClient, token: str, module) -> None:
    for activity in module.activities:
        if not activity.required:
            continue
        url = f"/training/module/{module.id}/activity/{activity.id}"
        data = {"csrf_token": token}
        if activity.type is ActivityType.REFLECTION:
            data[f"{activity.id}-text"] = "I tend to rush to advice; I will ask first."
        elif activity.type is ActivityType.ROLE_PLAY:
            data[f"{activity.id}-practised"] = "y"
        elif activity.type is ActivityType.CHECKLIST:
            data[f"{activity.id}-checked"] = [str(i) for i in range(len(activity.items))]
        assert client.post(url, data=data).status_code == 302, (module.id, activity.id)


def test_first_module_asks_for_consent_then_shows_the_lesson(
    app: Flask, lms: LocalLms, catalog: Catalog
):
    client = app.test_client()
    lms.launch(client, PRACTITIONER)
    first = catalog.ordered_modules[0]
    assert (
        client.get(f"/training/module/{first.id}").location == f"/training/consent?next={first.id}"
    )
    token = csrf_token(client.get("/practitioner"))
    chosen = client.post(
        f"/training/consent?next={first.id}", data={"shares": "no", "csrf_token": token}
    )
    assert chosen.location == f"/training/module/{first.id}"
    page = client.get(f"/training/module/{first.id}").get_data(as_text=True)
    assert first.title in page
    assert first.objectives[0] in page
    assert "IMR Academy stores no client information" in page


def test_completing_required_activities_completes_the_module_and_moves_the_bars(app, lms, catalog):
    client, token = _practitioner(app, lms)
    first = catalog.ordered_modules[0]
    assert "0 of 6 modules · 0%" in client.get("/practitioner").get_data(as_text=True)
    _complete_module(client, token, first)
    home = client.get("/practitioner").get_data(as_text=True)
    total = len(catalog.modules)
    assert f"1 of {total} modules · {100 // total}%" in home
    assert "1 of 6 modules · 16%" in home
    assert "Complete" in client.get(f"/training/module/{first.id}").get_data(as_text=True)
    second = catalog.ordered_modules[1]
    assert f"Continue where you left off: {second.title}" in home


def test_an_empty_reflection_is_refused_and_nothing_is_saved(app, lms, catalog):
    client, token = _practitioner(app, lms)
    module = catalog.ordered_modules[0]
    reflection = next(a for a in module.activities if a.type is ActivityType.REFLECTION)
    response = client.post(
        f"/training/module/{module.id}/activity/{reflection.id}",
        data={"csrf_token": token, f"{reflection.id}-text": "   "},
    )
    assert response.status_code == 400
    assert "Write your reflection before saving it." in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ActivityResponse)) == 0


def test_reflections_are_saved_and_editable(app, lms, catalog):
    client, token = _practitioner(app, lms)
    module = catalog.ordered_modules[0]
    reflection = next(a for a in module.activities if a.type is ActivityType.REFLECTION)
    url = f"/training/module/{module.id}/activity/{reflection.id}"
    client.post(url, data={"csrf_token": token, f"{reflection.id}-text": "First thoughts."})
    client.post(
        url, data={"csrf_token": token, f"{reflection.id}-text": "Second, better thoughts."}
    )
    page = client.get(f"/training/module/{module.id}").get_data(as_text=True)
    assert "Second, better thoughts." in page
    assert "Update reflection" in page
    with app.app_context():
        assert db.session.scalars(select(ActivityResponse)).one().text == "Second, better thoughts."


def test_days_unlock_in_order_unless_the_trainer_opens_them(app, lms, catalog):
    client, _ = _practitioner(app, lms)
    day_two = catalog.day(2).modules[0]
    locked = client.get(f"/training/module/{day_two.id}")
    assert locked.status_code == 403
    page = locked.get_data(as_text=True)
    assert "Day 2 is not open yet" in page
    assert "Day 2 opens when Day 1 is complete." in page
    assert "not part of your role" not in page
    trainer = app.test_client()
    lms.launch(trainer, TRAINER)
    token = csrf_token(trainer.get("/training/cohort"))
    trainer.post("/training/cohort/settings", data={"unlock": "all-open", "csrf_token": token})
    assert client.get(f"/training/module/{day_two.id}").status_code == 200


def test_completing_every_module_completes_days_and_training(app, lms, catalog):
    lms.launch(app.test_client(), PRACTITIONER)
    with app.app_context():
        person = db.session.scalars(select(Person)).one()
        cohort = person.enrolments[0].cohort
        for module in catalog.ordered_modules:
            complete_module(person.id, cohort.organisation_id, module)
            progress = progress_of(catalog, person.id, cohort)
            assert progress.status_of(module.id).value == "complete"
        assert all(day.complete for day in progress.days)
        assert progress.complete
        assert progress.percent == 100
        assert db.session.scalar(select(func.count()).select_from(ModuleCompletion)) == len(
            catalog.modules
        )


def test_a_content_edit_keeps_earlier_completions(app, lms, catalog, tmp_path: Path):
    lms.launch(app.test_client(), PRACTITIONER)
    first = catalog.ordered_modules[0]
    with app.app_context():
        person = db.session.scalars(select(Person)).one()
        cohort = person.enrolments[0].cohort
        for activity in first.activities:
            save_response(
                person.id,
                cohort.organisation_id,
                first,
                activity,
                text="Mine.",
                practised=True,
                checked=list(range(len(activity.items))),
            )
        db.session.commit()
        edited = tmp_path / "courses"
        shutil.copytree(ROOT_DIR / "courses", edited)
        source = edited / first.source.removeprefix("courses/")
        source.write_text(
            source.read_text().replace(
                "activities:\n",
                (
                    "activities:\n  - id: new-required-reflection\n    type: reflection\n    required: true\n"
                    "    title: A new reflection\n    prompt: What would you add now?\n"
                ),
                1,
            )
        )
        revised = load_catalog(edited)
        assert revised.module(first.id).version != first.version
        assert "new-required-reflection" in revised.module(first.id).required_activity_ids
        progress = progress_of(revised, person.id, cohort)
        assert progress.status_of(first.id).value == "complete"
        completion = db.session.scalars(select(ModuleCompletion)).one()
        assert completion.content_version == first.version


def test_trainer_grid_csv_and_consented_reflections(app, lms, catalog):
    sharing, token = _practitioner(app, lms, PRACTITIONER, consent="yes")
    private, token2 = _practitioner(app, lms, PRACTITIONER_2, consent="no")
    first = catalog.ordered_modules[0]
    reflection = next(a for a in first.activities if a.type is ActivityType.REFLECTION)
    url = f"/training/module/{first.id}/activity/{reflection.id}"
    sharing.post(
        url,
        data={"csrf_token": token, f"{reflection.id}-text": "<script>alert(1)</script> I rushed."},
    )
    private.post(url, data={"csrf_token": token2, f"{reflection.id}-text": "Private thoughts."})
    _complete_module(sharing, token, first)
    trainer = app.test_client()
    lms.launch(trainer, TRAINER)
    grid = trainer.get("/training/cohort").get_data(as_text=True)
    assert "Maya Chen" in grid
    assert "Tom Baker" in grid
    assert f"{first.title}: Complete" in grid
    rows = list(
        csv.reader(
            io.StringIO(trainer.get("/training/cohort.csv").get_data(as_text=True).lstrip("\ufeff"))
        )
    )
    maya = next(row for row in rows if row[0] == "Maya Chen")
    assert maya[rows[0].index(f"{first.id} (day 1)")] == "Complete"
    assert maya[rows[0].index("Day 1 modules complete")] == "1/6"
    with app.app_context():
        ids = {p.name: p.id for p in db.session.scalars(select(Person))}
    shared_page = trainer.get(f"/training/cohort/practitioners/{ids['Maya Chen']}").get_data(
        as_text=True
    )
    assert "&lt;script&gt;alert(1)&lt;/script&gt; I rushed." in shared_page
    private_page = trainer.get(f"/training/cohort/practitioners/{ids['Tom Baker']}").get_data(
        as_text=True
    )
    assert "Private thoughts." not in private_page
    assert "has not chosen to share reflections" in private_page


def test_a_trainer_cannot_open_a_practitioner_of_another_cohort(app, lms):
    other = COURSE.__class__("course-winter", "IMR Winter", "IMR-WIN")
    lms.launch(app.test_client(), PRACTITIONER, course=other)
    trainer = app.test_client()
    lms.launch(trainer, TRAINER)
    with app.app_context():
        maya = db.session.scalars(select(Person).filter_by(name="Maya Chen")).one()
    assert trainer.get(f"/training/cohort/practitioners/{maya.id}").status_code == 404
    assert "Maya Chen" not in trainer.get("/training/cohort").get_data(as_text=True)


def test_content_check_cli(runner, tmp_path: Path):
    result = runner.invoke(args=["content", "check"])
    # Every file is valid; exiting 0 also needs the #20 content: tests/unit/test_completeness.py.
    assert "No invalid files" in result.output
    assert "Getting Your Needs Met in the Mental Health System" in result.output
    broken = tmp_path / "courses"
    shutil.copytree(ROOT_DIR / "courses", broken)
    module = next((broken / "day-2").glob("01-*.md"))
    module.write_text(module.read_text().replace("minutes:", "minutez:", 1))
    line = (
        module.read_text()
        .splitlines()
        .index(next(x for x in module.read_text().splitlines() if x.startswith("minutez:")))
        + 1
    )
    failed = runner.invoke(args=["content", "check", "--path", str(broken)])
    assert failed.exit_code == 1
    assert f"courses/day-2/{module.name}:{line}: unknown key `minutez`" in failed.output


def test_the_app_refuses_to_start_on_invalid_content(settings, tmp_path: Path):
    from app import create_app
    from app.content.source import ContentInvalid

    broken = tmp_path / "courses"
    shutil.copytree(ROOT_DIR / "courses", broken)
    (broken / "day-1" / "day.yaml").write_text("number: 1\ntitle: Day one\n")
    with pytest.raises(
        ContentInvalid, match=re.escape("day-1/day.yaml:1: missing required key `summary`")
    ):
        create_app(settings.with_overrides(courses_dir=broken))


def test_every_module_page_renders_with_its_topic_areas(client: FlaskClient, lms, catalog):
    lms.launch(client, TRAINER)
    for module in catalog.ordered_modules:
        page = client.get(f"/training/module/{module.id}")
        assert page.status_code == 200, module.id
        for topic in module.topic_areas:
            assert TOPIC_AREAS[topic] in page.get_data(as_text=True)
