"""Quiz helpers shared by the tests: the fixture bank, starting an attempt, and answering it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from app.content.quizzes import load_quizzes
from app.domain.quizzes import Draw, QuizBank
from app.extensions import db
from app.models.quizzes import QuizAttempt
from tests.support.content import content_of

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "quizzes"


@contextmanager
def sample_bank(app: Flask) -> Iterator[QuizBank]:
    """The small fixture bank, offered by the app next to the real ones while the block runs."""
    real = content_of(app)
    bank = load_quizzes(FIXTURES, real.catalog)["sample"]
    app.extensions["imr_content"] = real.with_quiz(bank)
    try:
        yield bank
    finally:
        app.extensions["imr_content"] = real


def stored(app: Flask, attempt_id: int) -> QuizAttempt:
    """The attempt as the database holds it now (read in its own app context, so no request shares it)."""
    with app.app_context():
        attempt = db.session.get_one(QuizAttempt, attempt_id)
        db.session.expunge(attempt)
        return attempt


def start(app: Flask, client: FlaskClient, token: str, quiz: str = "sample") -> QuizAttempt:
    """Start (or resume) an attempt through the page, as the practitioner does."""
    response = client.post(f"/quizzes/{quiz}/start", data={"csrf_token": token})
    assert response.status_code == 302, response.get_data(as_text=True)
    return stored(app, int(response.location.rsplit("/", 1)[1]))


def form_for(attempt: QuizAttempt, right: bool = True) -> dict[str, object]:
    """The form a practitioner would post, with every answer right (or every one wrong)."""
    form: dict[str, object] = {}
    for question_id, answer in Draw.of(attempt.draw).answers(lambda _: right).items():
        if isinstance(answer, dict):  # ordering: one position field per step
            form.update({f"q-{question_id}-{token}": str(p) for token, p in answer.items()})
        else:
            form[f"q-{question_id}"] = answer
    return form


class FormData(dict):
    """A posted form as the quiz routes read it (with getlist), built from form_for."""

    def getlist(self, key: str) -> list[object]:
        value = self.get(key, [])
        return value if isinstance(value, list) else [value]


def submit_attempt(
    client: FlaskClient, attempt: QuizAttempt, token: str, right: bool = True
) -> TestResponse:
    """Answer through the attempt page, then submit from the summary, as a practitioner does;
    the response of "Submit all and finish"."""
    client.post(
        f"/quizzes/attempts/{attempt.id}",
        data={**form_for(attempt, right), "csrf_token": token, "action": "review"},
    )
    return client.post(f"/quizzes/attempts/{attempt.id}/finish", data={"csrf_token": token})
