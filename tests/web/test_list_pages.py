"""Every list page shows one page of rows, in an order the URL chooses from a fixed list, and
runs the same number of SQL statements for an organisation of 3 practitioners as for one of 30."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from app.extensions import db
from app.models.consultation import ConsultationGroup
from tests.support.bulk import grow
from tests.support.forms import own_links
from tests.support.lms import DIRECTOR, TRAINER, LocalLms
from tests.support.statements import statements

# (who, the page); each is paged with 10 rows so that 30 practitioners fill several pages.
PAGES = [
    ("trainer", "/trainer"),
    ("trainer", "/training/cohort"),
    ("trainer", "/quizzes/results"),
    ("trainer", "/quizzes/analysis"),
    ("trainer", "/consultation/groups/{group}"),
    ("director", "/certification/dashboard"),
    ("director", "/certification/audit"),
    ("director", "/fidelity/"),
]


@pytest.fixture
def staff(app: Flask, lms: LocalLms) -> dict[str, FlaskClient]:
    clients = {"trainer": app.test_client(), "director": app.test_client()}
    lms.launch(clients["trainer"], TRAINER)
    lms.launch(clients["director"], DIRECTOR)
    return clients


def _url(app: Flask, page: str) -> str:
    with app.app_context():
        group = db.session.scalar(select(ConsultationGroup.id))
    return page.format(group=group)


def _count(app: Flask, client: FlaskClient, url: str) -> int:
    with statements(app) as seen:
        response = client.get(url)
    assert response.status_code == 200, response.get_data(as_text=True)[:2000]
    return len(seen)


@pytest.mark.parametrize(("who", "page"), PAGES)
def test_a_list_page_runs_as_many_statements_for_30_practitioners_as_for_3(app, staff, who, page):
    grow(app, 3, 0, TRAINER.sub, DIRECTOR.sub)
    small = _count(app, staff[who], _url(app, page) + "?size=10")
    grow(app, 27, 3, TRAINER.sub, DIRECTOR.sub)
    large = _count(app, staff[who], _url(app, page) + "?size=10")
    assert large == small


@pytest.mark.parametrize(("who", "page"), PAGES)
def test_a_list_page_says_which_rows_it_shows_and_links_the_next(app, staff, who, page):
    grow(app, 33, 0, TRAINER.sub, DIRECTOR.sub)
    html = staff[who].get(_url(app, page) + "?size=10").get_data(as_text=True)
    shown = re.search(r"Showing 1–10 of ([\d,]+)", html)
    assert shown, html[:3000]
    assert int(shown.group(1).replace(",", "")) > 10
    assert re.search(r'<nav class="table-pager" aria-label="[^"]+">', html)
    assert 'aria-current="page"' in html
    assert 'rel="next"' in html
    second = staff[who].get(_url(app, page) + "?size=10&page=2").get_data(as_text=True)
    assert "Showing 11–" in second


@pytest.mark.parametrize(("who", "page"), PAGES)
def test_bad_paging_values_show_the_first_page_in_the_default_order(app, staff, who, page):
    grow(app, 3, 0, TRAINER.sub, DIRECTOR.sub)
    url = _url(app, page)
    default = staff[who].get(url).get_data(as_text=True)
    for query in ["page=abc", "page=-3", "page=99999999999", "size=7", "sort=1;drop", "sort=-"]:
        response = staff[who].get(f"{url}?{query}")
        assert response.status_code == 200, query
        html = response.get_data(as_text=True)
        assert "Showing 1–" in html, query
        assert _rows(html) == _rows(default), query


# Query names a visitor may add that url_for takes as its own arguments, or that the path holds.
COLLIDING = "endpoint=x&_method=POST&_external=1&_anchor=top&_scheme=ftp&group_id=1&kind=x"


@pytest.mark.parametrize(("who", "page"), PAGES)
def test_a_list_page_links_its_pages_whatever_names_the_query_adds(app, staff, who, page):
    grow(app, 13, 0, TRAINER.sub, DIRECTOR.sub)
    url = _url(app, page)
    response = staff[who].get(f"{url}?size=10&{COLLIDING}")
    assert response.status_code == 200, response.get_data(as_text=True)[:2000]
    html = response.get_data(as_text=True)
    assert "Showing 1–" in html
    links = own_links(html)
    assert links
    for path, names in links:
        assert path == url, path  # the same page, whatever the query said
        assert "size" in names, names
        assert "group_id" not in names or "/groups/" not in url, names  # the path holds it


def _rows(html: str) -> list[str]:
    return re.findall(r'<th scope="row">(.*?)</th>', html, re.S)


# (who, the page, a column it sorts by)
SORTED = [
    ("trainer", "/trainer", "name"),
    ("trainer", "/training/cohort", "name"),
    ("trainer", "/quizzes/results", "name"),
    ("trainer", "/quizzes/analysis", "question"),
    ("trainer", "/consultation/groups/{group}", "name"),
    ("director", "/certification/dashboard", "name"),
    ("director", "/certification/audit", "who"),
    ("director", "/fidelity/", "program"),
]


def _body(html: str) -> str:
    """The rows of the sorted table (the one whose header carries aria-sort)."""
    start = html.index("<tbody>", html.index("aria-sort="))
    return html[start : html.index("</tbody>", start)]


@pytest.mark.parametrize(("who", "page", "key"), SORTED)
def test_a_column_header_sorts_both_ways_and_says_so(app, staff, who, page, key):
    grow(app, 4, 0, TRAINER.sub, DIRECTOR.sub)
    url = _url(app, page)
    rising = staff[who].get(f"{url}?sort={key}").get_data(as_text=True)
    falling = staff[who].get(f"{url}?sort=-{key}").get_data(as_text=True)
    assert 'aria-sort="ascending"' in rising
    assert 'aria-sort="descending"' in falling
    assert f"sort=-{key}" in rising  # the sorted header links to the other direction
    assert _body(rising) != _body(falling)


def test_the_dashboard_filters_each_status_as_verification_would_name_it(app, staff):
    from datetime import date, timedelta

    from sqlalchemy import update

    from app.domain.certificates import CertificateState
    from app.models.certification import Certificate

    grow(app, 18, 0, TRAINER.sub, DIRECTOR.sub)  # a certificate for every third: six of them
    today = date.today()
    changes = {
        "IMR-BULK-a": ("revoked", CertificateState.REVOKED, today + timedelta(days=400)),
        "IMR-BULK-b": ("suspended", CertificateState.SUSPENDED, today + timedelta(days=400)),
        "IMR-BULK-c": ("awaiting approval", CertificateState.AWAITING_APPROVAL, today),
        "IMR-BULK-d": ("expired", CertificateState.ISSUED, today - timedelta(days=1)),
        "IMR-BULK-e": ("expiring soon", CertificateState.ISSUED, today),
        "IMR-BULK-f": ("certified", CertificateState.ISSUED, today + timedelta(days=61)),
    }
    with app.app_context():
        ids = list(db.session.scalars(select(Certificate.id).order_by(Certificate.id)))
        for certificate_id, (code, (_, state, expires)) in zip(ids, changes.items(), strict=True):
            db.session.execute(
                update(Certificate)
                .where(Certificate.id == certificate_id)
                .values(code=code, state=state, expires_on=expires)
            )
        db.session.commit()
    director = staff["director"]
    for code, (status, _, _) in changes.items():
        html = director.get("/certification/dashboard", query_string={"standing": status})
        text = html.get_data(as_text=True)
        assert "Showing 1–1 of 1" in text, status
        assert code in text or status == "awaiting approval", status
    expiring = director.get("/certification/dashboard?standing=expiring+soon")
    assert "<td>expiring within 60 days</td>" in expiring.get_data(as_text=True)
    in_training = director.get("/certification/dashboard?standing=in+training").get_data(
        as_text=True
    )
    assert "Showing 1–12 of 12" in in_training
    refused = director.get("/certification/dashboard?standing=lost")
    assert refused.status_code == 400
    assert "choose one of" in refused.get_data(as_text=True)


def test_the_dashboard_counts_the_rows_of_the_program_and_status_chosen(app, staff):
    from sqlalchemy import update

    from app.models.tenancy import Cohort, Program

    grow(app, 18, 0, TRAINER.sub, DIRECTOR.sub)  # a certificate for every third: six of them
    with app.app_context():
        program = db.session.scalars(select(Program).order_by(Program.id)).first()
        db.session.execute(
            update(Cohort)
            .where(Cohort.organisation_id == program.organisation_id)
            .values(program_id=program.id)
        )
        db.session.commit()
        name = program.name

    def page(**chosen: str) -> str:
        asked = {"size": "10", **chosen}
        return (
            staff["director"]
            .get("/certification/dashboard", query_string=asked)
            .get_data(as_text=True)
        )

    assert "Showing 1–10 of 18" in page(program=name)
    assert "Showing 1–10 of 12" in page(program=name, standing="in training")
    assert "Nobody matches" in page(program="No program")
    assert "Nobody matches" in page(program=name, standing="revoked")
