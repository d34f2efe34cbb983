"""The production stack, run for real: the Procfile's processes on PostgreSQL and Redis.

The release step, then web (gunicorn, two workers), worker (Celery) and beat, each started from
its Procfile line as honcho starts it, against a fresh PostgreSQL database and a Redis server of
the test's own. The test platform's token, line item, score and roster endpoints are real HTTP,
so the Celery worker, another process, reaches them as it reaches an LMS; the practitioners'
launches and quizzes go over real HTTP to gunicorn.

A first test, in-process, shows the claim that keeps a grade from being posted twice when two
workers hold it at once.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit, urlunsplit

import psycopg
import pytest
import redis
import requests
from flask import Flask
from honcho.environ import parse_procfile
from psycopg import sql
from pytest_httpserver import HTTPServer
from sqlalchemy import select
from werkzeug import Request, Response

from app.demo_lms.platform import LmsUser
from app.extensions import db
from app.models.people import Enrolment, Person
from app.models.quizzes import GradeDelivery, QuizAttempt
from config import ROOT_DIR, load_settings, normalise_database_url
from tests.support.lms import COURSE, INSTRUCTOR, LEARNER, LINK, TRAINER, LocalLms, csrf_token
from tests.support.quizzes import form_for, sample_bank, start, stored, submit_attempt

AGS = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
NRPS = "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice"
SCOPES = [
    "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem",
    "https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly",
    "https://purl.imsglobal.org/spec/lti-ags/scope/score",
]
MEMBERSHIP_TYPE = "application/vnd.ims.lti-nrps.v2.membershipcontainer+json"
QUIZ = "day-1"
POLL_SECONDS = 0.2


# --- Two workers, one grade ---


@dataclass
class HeldGradebook:
    """An LMS gradebook that holds the first score it is sent until the test lets it go."""

    server: HTTPServer
    posting: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)
    scores: list[dict] = field(default_factory=list)

    def install(self) -> None:
        self.server.expect_request("/lms/token", method="POST").respond_with_json(
            {"access_token": "held-token", "token_type": "bearer", "expires_in": 3600}
        )
        item = {"id": self.server.url_for("/lms/lineitems/1"), "resourceId": "imr-quiz-sample"}
        self.server.expect_request("/lms/lineitems", method="GET").respond_with_json([item])
        self.server.expect_request("/lms/lineitems/1/scores", method="POST").respond_with_handler(
            self.score
        )

    def score(self, request: Request) -> Response:
        self.posting.set()
        self.release.wait(timeout=10)
        self.scores.append(json.loads(request.data))
        return Response(status=204)


def test_a_grade_two_workers_hold_at_once_is_posted_once(app, lms, httpserver):
    gradebook = HeldGradebook(httpserver)
    gradebook.install()
    send_grade = app.extensions["celery"].tasks["app.tasks.send_grade"]
    with sample_bank(app):
        client = app.test_client()
        claims = {AGS: {"scope": SCOPES, "lineitems": httpserver.url_for("/lms/lineitems")}}
        assert lms.launch(client, _practitioner(1), claims=claims).status_code == 302
        token = csrf_token(client.get("/practitioner"))
        attempt = start(app, client, token, quiz="sample")
        # left open, so the in-process delivery waits: the two workers below have the grade
        submitted = submit_attempt(client, attempt, token)
        delivery_id = _delivery_ids(app, [attempt.id])[0]
        first: list[object] = []
        worker = threading.Thread(
            target=lambda: first.append(send_grade.apply([delivery_id]).get())
        )
        worker.start()
        assert gradebook.posting.wait(timeout=30), "the first worker never posted the score"
        second = send_grade.apply([delivery_id]).get()
        gradebook.release.set()
        worker.join(timeout=30)
        submitted.close()
    assert len(gradebook.scores) == 1, "the grade was posted once"
    assert first == ["delivered"]
    assert second == "not sent: already delivered, or being sent by another worker"
    with app.app_context():
        delivery = db.session.get_one(GradeDelivery, delivery_id)
        assert (delivery.status, delivery.tries) == ("delivered", 1)


def _practitioner(number: int) -> LmsUser:
    return LmsUser(
        f"user-stack-{number}", f"Practitioner {number}", f"p{number}@example.org", (LEARNER,)
    )


def _delivery_ids(app: Flask, attempt_ids: list[int]) -> list[int]:
    with app.app_context():
        query = select(GradeDelivery.id).where(GradeDelivery.attempt_id.in_(attempt_ids))
        return list(db.session.scalars(query))


# --- The services the stack runs on ---


def _postgres_server() -> str:
    """The PostgreSQL server the suite uses (TEST_DATABASE_URL's, or the machine's)."""
    url = os.environ.get("TEST_DATABASE_URL") or "postgresql://postgres@127.0.0.1:5432/test"
    return urlunsplit(urlsplit(url)._replace(path="/postgres"))


def _missing_services() -> str | None:
    if shutil.which("redis-server") is None:
        return "the production stack test needs redis-server (apt-get install redis-server)"
    try:
        psycopg.connect(_postgres_server(), connect_timeout=3).close()
    except psycopg.OperationalError as error:
        return f"the production stack test needs PostgreSQL at {_postgres_server()}: {error}"
    return None


@pytest.fixture
def services() -> None:
    missing = _missing_services()
    if missing and os.environ.get("CI") == "true":
        pytest.fail(f"CI must run the production stack test: {missing}")
    if missing:
        pytest.skip(missing)


@pytest.fixture
def database(services: None) -> Iterator[str]:
    """A fresh PostgreSQL database of this test's own, dropped at the end."""
    name = f"imr_stack_{secrets.token_hex(4)}"
    server = _postgres_server()
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    yield urlunsplit(urlsplit(server)._replace(path=f"/{name}"))
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_for(
    condition: Callable[[], object], what: str, seconds: float, logs: Callable[[], str] = str
) -> Any:
    """Poll a condition until it holds, or fail saying what never happened (with the logs)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(POLL_SECONDS)  # polling a condition with a deadline, not waiting for time
    pytest.fail(f"{what}: not within {seconds:.0f} s{logs()}")


@dataclass
class RedisServer:
    """A redis-server of the test's own on a spare port, without persistence, as a restart loses."""

    log: Path
    port: int = field(default_factory=_free_port)
    process: subprocess.Popen | None = None

    def url(self, number: int) -> str:
        return f"redis://127.0.0.1:{self.port}/{number}"

    def start(self) -> None:
        command = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", ""]
        with self.log.open("a") as out:
            self.process = subprocess.Popen(
                [*command, "--appendonly", "no"], stdout=out, stderr=subprocess.STDOUT
            )
        _wait_for(self._answers, "Redis answers", 20)

    def _answers(self) -> bool:
        try:
            return bool(redis.Redis(port=self.port, socket_connect_timeout=1).ping())
        except redis.ConnectionError:
            return False

    def stop(self) -> None:
        assert self.process is not None
        self.process.terminate()
        assert self.process.wait(timeout=20) == 0, "redis-server did not stop cleanly"


@pytest.fixture
def redis_server(services: None, tmp_path: Path) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path / "redis.log")
    server.start()
    yield server
    if server.process and server.process.poll() is None:
        server.process.kill()
        server.process.wait()


# --- The test platform's services, over HTTP ---


@dataclass
class PlatformServices:
    """The LMS's token, line item, score and roster endpoints, as the worker reaches them."""

    server: HTTPServer
    lms: LocalLms
    members: list[dict] = field(default_factory=list)
    lineitems: list[dict] = field(default_factory=list)
    scores: list[dict] = field(default_factory=list)

    def install(self) -> None:
        serve = self.server.expect_request
        serve("/lms/token", method="POST").respond_with_handler(self.token)
        serve("/lms/lineitems", method="GET").respond_with_handler(self.list_lineitems)
        serve("/lms/lineitems", method="POST").respond_with_handler(self.create_lineitem)
        scores = re.compile(r"^/lms/lineitems/\d+/scores$")
        serve(scores, method="POST").respond_with_handler(self.score)
        serve("/lms/memberships", method="GET").respond_with_handler(self.roster)

    def claims(self) -> dict[str, Any]:
        """What this LMS's launches grant: grades and the roster."""
        return {
            AGS: {"scope": SCOPES, "lineitems": self.server.url_for("/lms/lineitems")},
            NRPS: {
                "context_memberships_url": self.server.url_for("/lms/memberships"),
                "service_versions": ["2.0"],
            },
        }

    def token(self, request: Request) -> Response:
        """A token only for the tool's signed assertion, checked against its key set URL."""
        issued = self.lms.platform.access_token(request.form.to_dict())
        return Response(json.dumps(issued), content_type="application/json")

    def _bearer(self, request: Request) -> None:
        assert request.headers.get("Authorization", "").startswith("Bearer ")

    def list_lineitems(self, request: Request) -> Response:
        self._bearer(request)
        return Response(json.dumps(self.lineitems), content_type="application/json")

    def create_lineitem(self, request: Request) -> Response:
        self._bearer(request)
        path = f"/lms/lineitems/{len(self.lineitems) + 1}"
        item = {**json.loads(request.data), "id": self.server.url_for(path)}
        self.lineitems.append(item)
        return Response(json.dumps(item), status=201, content_type="application/json")

    def score(self, request: Request) -> Response:
        self._bearer(request)
        self.scores.append(json.loads(request.data))
        return Response(status=204)

    def roster(self, request: Request) -> Response:
        self._bearer(request)
        body = {"id": request.url, "context": {"id": COURSE.id}, "members": self.members}
        return Response(json.dumps(body), content_type=MEMBERSHIP_TYPE)

    def scores_of(self, subject: str) -> int:
        return sum(1 for score in self.scores if score["userId"] == subject)


# --- The Procfile's processes ---


@dataclass
class Stack:
    """The Procfile's processes, each started from its line as honcho starts it.

    honcho runs a line in a shell of its own session and signals the session; here the shell
    `exec`s the command, so the exit status checked is the command's own, not the shell's.
    """

    env: dict[str, str]
    logs: Path
    commands: dict[str, str] = field(default_factory=dict)
    running: dict[str, subprocess.Popen] = field(default_factory=dict)

    def __post_init__(self) -> None:
        procfile = parse_procfile((ROOT_DIR / "Procfile").read_text())
        self.commands = dict(procfile.processes)

    def start(self, name: str) -> None:
        with (self.logs / f"{name}.log").open("a") as out:
            self.running[name] = subprocess.Popen(  # noqa: S602 (a Procfile line is a shell command)
                f"exec {self.commands[name]}",
                shell=True,
                cwd=ROOT_DIR,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def wait(self, name: str, seconds: float) -> int:
        """The process's exit status, once it has ended by itself."""
        try:
            return self.running.pop(name).wait(timeout=seconds)
        except subprocess.TimeoutExpired:
            pytest.fail(f"{name} did not end within {seconds:.0f} s{self.tails()}")

    def stop(self, *names: str, seconds: float = 60) -> dict[str, int]:
        """Stop processes as honcho does (SIGTERM to each one's session, all at once) and
        return their exit statuses."""
        for name in names:
            os.killpg(self.running[name].pid, signal.SIGTERM)
        return {name: self.wait(name, seconds) for name in names}

    def log(self, name: str) -> str:
        path = self.logs / f"{name}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def tails(self) -> str:
        return "".join(f"\n--- {n}.log ---\n{self.log(n)[-3000:]}" for n in self.commands)

    def kill_all(self) -> None:
        for process in self.running.values():
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        self.running.clear()


def _stack_env(database: str, redis_url: str, port: int, tmp: Path) -> dict[str, str]:
    """The settings an operator gives the stack; here in the development profile (plain http)."""
    kept = {k: v for k, v in os.environ.items() if k in {"HOME", "LANG", "LC_ALL", "TMPDIR"}}
    return {
        **kept,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "PYTHONUNBUFFERED": "1",
        "IMR_PROFILE": "development",
        "DEMO_LMS": "false",
        "SECRET_KEY": secrets.token_urlsafe(48),
        "DATABASE_URL": database,
        "REDIS_URL": redis_url,
        "PUBLIC_URL": f"http://127.0.0.1:{port}",
        "PORT": str(port),
        "GUNICORN_HOST": "127.0.0.1",
        "WEB_CONCURRENCY": "2",
        "CELERY_CONCURRENCY": "2",
        "CELERY_BEAT_SCHEDULE": str(tmp / "celerybeat-schedule"),
        "GRADE_RESEND_SECONDS": "2",
    }


@pytest.fixture
def stack(database: str, redis_server: RedisServer, tmp_path: Path) -> Iterator[Stack]:
    port = _free_port()
    redis_url = redis_server.url(3)
    redis.Redis.from_url(redis_url).flushdb()
    running = Stack(_stack_env(database, redis_url, port, tmp_path), tmp_path)
    yield running
    running.kill_all()  # whatever a failed test left running


@pytest.fixture
def stack_database(database: str) -> Iterator[Flask]:
    """The stack's database for the test's own reads, and for registering the LMS as an operator
    does (a bare app: the database and its settings, so no content to load; the LMS is on this
    machine, as on a developer's)."""
    reader = Flask("production-stack-test")
    reader.config["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(database)
    reader.config["IMR_SETTINGS"] = load_settings(
        {"IMR_PROFILE": "test", "DATABASE_URL": database, "PRIVATE_OUTBOUND_ALLOWED": "true"}
    )
    db.init_app(reader)
    yield reader
    with reader.app_context():
        db.engine.dispose()


# --- A browser, over HTTP ---


def _launch(web: str, lms: LocalLms, user: LmsUser, claims: dict[str, Any]) -> requests.Session:
    """The whole LTI launch through gunicorn: OIDC login, the LMS's signed answer, the launch."""
    browser = requests.Session()
    login = browser.get(
        f"{web}/lti/login",
        params=lms.platform.login_initiation(user, LINK),
        allow_redirects=False,
        timeout=30,
    )
    assert login.status_code == 302, login.text
    request = dict(parse_qsl(urlsplit(login.headers["Location"]).query))
    fields = lms.platform.launch(request, user, COURSE, LINK, claims)
    landed = browser.post(f"{web}/lti/launch", data=fields, allow_redirects=False, timeout=30)
    assert landed.status_code == 302, landed.text
    return browser


def _token(web: str, browser: requests.Session, page: str) -> str:
    html = browser.get(f"{web}{page}", timeout=30).text
    found = re.search(r'name="csrf-token" content="([^"]+)"', html)
    assert found, f"{page} has no CSRF token"
    return found.group(1)


def _take_quiz(web: str, browser: requests.Session, reader: Flask) -> int:
    """Start the quiz and submit every answer right, as the practitioner's browser does."""
    token = _token(web, browser, "/practitioner")
    started = browser.post(
        f"{web}/quizzes/{QUIZ}/start",
        data={"csrf_token": token},
        allow_redirects=False,
        timeout=30,
    )
    assert started.status_code == 302, started.text
    attempt: QuizAttempt = stored(reader, int(started.headers["Location"].rsplit("/", 1)[1]))
    reviewed = browser.post(
        f"{web}/quizzes/attempts/{attempt.id}",
        data={**form_for(attempt), "csrf_token": token, "action": "review"},
        allow_redirects=False,
        timeout=30,
    )
    assert reviewed.status_code == 302, reviewed.text
    submitted = browser.post(
        f"{web}/quizzes/attempts/{attempt.id}/finish",
        data={"csrf_token": token},
        allow_redirects=False,
        timeout=30,
    )
    assert submitted.status_code == 302, submitted.text
    return attempt.id


def _delivered(reader: Flask, attempt_ids: list[int]) -> bool:
    with reader.app_context():
        query = select(GradeDelivery.status).where(GradeDelivery.attempt_id.in_(attempt_ids))
        statuses = list(db.session.scalars(query))
        db.session.remove()
    return len(statuses) == len(attempt_ids) and set(statuses) == {"delivered"}


def _sends_in_flight(redis_url: str) -> int:
    """send_grade messages the broker still holds: queued, or handed to a worker and unacked."""
    broker = redis.Redis.from_url(redis_url)
    queued = [json.loads(m) for m in broker.lrange("celery", 0, -1)]
    unacked = [json.loads(m)[0] for m in broker.hvals("unacked")]
    return sum(1 for m in queued + unacked if m["headers"]["task"] == "app.tasks.send_grade")


def _enrolled(reader: Flask, subject: str) -> bool:
    with reader.app_context():
        query = select(Enrolment.id).join(Person).where(Person.subject == subject)
        found = db.session.scalars(query).first() is not None
        db.session.remove()
    return found


# --- The stack, run for real ---


def _release_and_start(stack: Stack) -> None:
    """The release step to its end, then the long-running processes."""
    stack.start("release")
    assert stack.wait("release", 120) == 0, f"the release step failed{stack.tails()}"
    for name in ("web", "worker", "beat"):
        stack.start(name)


def _until_ready(stack: Stack, web: str) -> None:
    _wait_for(lambda: _answers(web), "gunicorn answers", 150, stack.tails)
    _wait_for(lambda: " ready." in stack.log("worker"), "the worker is ready", 150, stack.tails)
    _wait_for(lambda: "beat: Starting" in stack.log("beat"), "beat starts", 150, stack.tails)


def _answers(web: str) -> bool:
    try:
        return requests.get(f"{web}/lti/jwks", timeout=5).status_code == 200
    except requests.ConnectionError:
        return False


def _roster_member(subject: str, name: str, role: str) -> dict[str, Any]:
    return {"status": "Active", "user_id": subject, "name": name, "roles": [role]}


@pytest.mark.stack
def test_the_procfile_stack_delivers_every_grade_once_through_a_broker_restart(
    stack: Stack, redis_server: RedisServer, stack_database: Flask, httpserver: HTTPServer
):
    web = stack.env["PUBLIC_URL"]
    lms = LocalLms.start(httpserver, tool=web)
    platform = PlatformServices(httpserver, lms)
    platform.install()
    _release_and_start(stack)
    with stack_database.app_context():
        lms.register()  # as an operator does once the release has migrated the database
    _until_ready(stack, web)
    assert set(stack.commands) == {"release", "web", "worker", "beat"}
    assert stack.log("web").count("Booting worker") == 2

    # A practitioner's grade reaches the LMS through the worker, not the web process.
    practitioners = [_practitioner(n) for n in range(1, 6)]
    browsers = [_launch(web, lms, p, platform.claims()) for p in practitioners[:3]]
    attempts = [_take_quiz(web, browsers[0], stack_database)]
    _wait_for(
        lambda: platform.scores_of(practitioners[0].sub),
        "the first grade reaches the LMS",
        30,
        stack.tails,
    )
    assert "Task app.tasks.send_grade" in stack.log("worker")

    # A trainer's roster refresh runs on the worker.
    platform.members = [
        _roster_member(TRAINER.sub, TRAINER.name, INSTRUCTOR),
        *(_roster_member(p.sub, p.name, LEARNER) for p in practitioners[:3]),
        _roster_member("user-roster-only", "Ama Mensah", LEARNER),
    ]
    trainer = _launch(web, lms, TRAINER, platform.claims())
    synced = trainer.post(
        f"{web}/consultation/roster/sync",
        data={"csrf_token": _token(web, trainer, "/consultation/")},
        allow_redirects=False,
        timeout=30,
    )
    assert synced.status_code == 302, synced.text
    _wait_for(
        lambda: _enrolled(stack_database, "user-roster-only"),
        "the roster reaches IMR Academy",
        30,
        stack.tails,
    )
    assert "app.tasks.sync_cohort_roster" in stack.log("worker")

    # Redis restarts under the running worker, which reconnects; a grade submitted meanwhile
    # waits in the database for beat's resend.
    broker = stack.env["REDIS_URL"]
    attempts.append(_take_quiz(web, browsers[1], stack_database))
    redis_server.stop()
    attempts.append(_take_quiz(web, browsers[2], stack_database))  # no broker: left pending
    redis_server.start()
    _wait_for(
        lambda: _delivered(stack_database, attempts),
        "the grades submitted around Redis's restart are delivered",
        60,
        stack.tails,
    )

    # The worker restarts while submissions go on (stopped when it holds no grade: a worker
    # killed while posting one leaves its claim to expire, minutes later).
    _wait_for(lambda: _sends_in_flight(broker) == 0, "the worker finishes", 30, stack.tails)
    assert stack.stop("worker") == {"worker": 0}, f"the worker did not stop cleanly{stack.tails()}"
    for practitioner in practitioners[3:]:
        browser = _launch(web, lms, practitioner, platform.claims())
        attempts.append(_take_quiz(web, browser, stack_database))
        if "worker" not in stack.running:
            stack.start("worker")
    _wait_for(
        lambda: _delivered(stack_database, attempts), "every grade is delivered", 90, stack.tails
    )
    _wait_for(lambda: _sends_in_flight(broker) == 0, "no grade is left to send", 30, stack.tails)
    assert {p.sub: platform.scores_of(p.sub) for p in practitioners} == {
        p.sub: 1 for p in practitioners
    }, "every grade reached the LMS exactly once"
    assert len(platform.lineitems) == 1
    assert stack.log("worker").count(": 'delivered'") == len(platform.scores), (
        "every score the LMS received was posted by the worker"
    )
    assert stack.log("worker").count(" ready.") == 2, "the worker ran twice"

    # Everything shuts down cleanly.
    assert stack.stop("web", "worker", "beat") == {"web": 0, "worker": 0, "beat": 0}, stack.tails()
