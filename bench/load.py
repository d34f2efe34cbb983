"""Benchmark: gunicorn under practitioners taking quizzes, and whether any attempt goes missing.

Run with `make bench-load`, or
`.venv/bin/python bench/load.py postgresql://postgres@127.0.0.1:5432/bench_load --seconds 60`
(the database may also come from BENCH_DATABASE_URL; it is emptied first). The web process
starts from the Procfile's own line (gunicorn, gunicorn.conf.py) with 4 workers on that
database. The test suite's LMS (real RS256-signed id_tokens, its key set served over HTTP)
launches 100 practitioners through the genuine OIDC login and launch, each in a browser of its
own (a requests session), and a trainer grants them enough extra attempts for the run. Then
every practitioner loops, at a fixed pace that adds up to about 40 requests a second: their
home, start the day 1 quiz, the attempt page, submit answers chosen from the page's own form,
the result. Each request is timed from the client, as a person would feel it.

It prints the throughput reached, p50, p95 and p99 (overall and per step), and reads every
attempt back from the database to count those lost (the client saw its result, the database
does not hold it submitted) or duplicated (rows no client started, or an attempt handed out
twice). The goal is p95 under 100 ms with nothing lost or duplicated.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import requests
from flask import Flask
from honcho.environ import parse_procfile
from pytest_httpserver import HTTPServer
from sqlalchemy import text

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.demo_lms.platform import LmsUser
from app.extensions import db
from app.models.base import utc_now
from bench.launch import product
from config import ROOT_DIR, normalise_database_url
from tests.support.lms import COURSE, LEARNER, LINK, TRAINER, LocalLms

QUIZ = "day-1"
WORKERS = 4
STEPS = ("home", "start quiz", "attempt page", "answers", "summary", "submit", "result")
TIMEOUT = 30  # seconds: gunicorn's own timeout for a stuck request
READY_WITHIN = 120  # seconds for gunicorn to load the app and answer
LAUNCHING = 8  # practitioners launched at once before the run
LAUNCH_TRIES = 3


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


# --- The web process, as production starts it ---


@dataclass
class Web:
    """gunicorn started from the Procfile's `web` line, with its log kept for a failure."""

    database: str
    log: Path
    port: int = field(default_factory=_free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def env(self) -> dict[str, str]:
        """The development profile (plain http) without the demo LMS; tasks run in-process."""
        kept = {k: v for k, v in os.environ.items() if k in {"HOME", "LANG", "LC_ALL", "TMPDIR"}}
        return {
            **kept,
            "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
            "IMR_PROFILE": "development",
            "DEMO_LMS": "false",
            "SECRET_KEY": secrets.token_urlsafe(48),
            "DATABASE_URL": self.database,
            "PUBLIC_URL": self.url,
            "PORT": str(self.port),
            "GUNICORN_HOST": "127.0.0.1",
            "WEB_CONCURRENCY": str(WORKERS),
            "GUNICORN_LOG_LEVEL": "warning",
        }

    def start(self) -> None:
        command = dict(parse_procfile((ROOT_DIR / "Procfile").read_text()).processes)["web"]
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(  # noqa: S602 (a Procfile line is a shell command)
                f"exec {command}",
                shell=True,
                cwd=ROOT_DIR,
                env=self.env(),
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + READY_WITHIN
        while not self._answers():
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"gunicorn did not start:\n{self.log.read_text()[-3000:]}")
            time.sleep(0.5)  # polling for the server to come up, with a deadline

    def _answers(self) -> bool:
        try:
            return requests.get(f"{self.url}/lti/jwks", timeout=5).status_code == 200
        except requests.ConnectionError:
            return False

    def stop(self) -> None:
        """SIGTERM to gunicorn's session, as a process manager stops it."""
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=60)


# --- The practitioners' browsers ---


def practitioner(number: int) -> LmsUser:
    return LmsUser(
        f"load-practitioner-{number}",
        f"Load Practitioner {number:03d}",
        f"load{number}@example.org",
        (LEARNER,),
    )


def launched(web: str, lms: LocalLms, user: LmsUser) -> requests.Session:
    """A new browser through the whole launch: OIDC login, the LMS's signed answer, the launch."""
    browser = requests.Session()
    login = browser.get(
        f"{web}/lti/login",
        params=lms.platform.login_initiation(user, LINK),
        allow_redirects=False,
        timeout=TIMEOUT,
    )
    if login.status_code != 302:
        raise SystemExit(f"the login of {user.sub} answered {login.status_code}: {login.text}")
    asked = dict(parse_qsl(urlsplit(login.headers["Location"]).query))
    fields = lms.platform.launch(asked, user, COURSE, LINK)
    landed = browser.post(f"{web}/lti/launch", data=fields, allow_redirects=False, timeout=TIMEOUT)
    if landed.status_code != 302:
        raise SystemExit(f"the launch of {user.sub} answered {landed.status_code}: {landed.text}")
    return browser


class QuizForm(HTMLParser):
    """The choices an attempt page offers, read from its form as a browser sees them.

    Radio buttons and checkboxes by name; an ordering question's selects grouped by the
    question's fieldset, each with the positions it offers.
    """

    def __init__(self) -> None:
        super().__init__()
        self.single: dict[str, list[str]] = defaultdict(list)
        self.multiple: dict[str, list[str]] = defaultdict(list)
        self.orderings: dict[str, list[str]] = defaultdict(list)
        self._question = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = {key: value or "" for key, value in attrs}
        if tag == "fieldset":
            self._question = found.get("id", "")
        elif tag == "input" and found.get("type") == "radio":
            self.single[found["name"]].append(found["value"])
        elif tag == "input" and found.get("type") == "checkbox":
            self.multiple[found["name"]].append(found["value"])
        elif tag == "select":
            self.orderings[self._question].append(found["name"])

    def answers(self, rng: random.Random) -> dict[str, Any]:
        """One answer to every question, chosen at random, as a hurried practitioner might."""
        chosen: dict[str, Any] = {name: rng.choice(values) for name, values in self.single.items()}
        for name, values in self.multiple.items():
            chosen[name] = rng.sample(values, rng.randint(1, len(values)))
        for selects in self.orderings.values():
            places = [str(n) for n in range(1, len(selects) + 1)]
            rng.shuffle(places)
            chosen.update(zip(selects, places, strict=True))
        return chosen


def csrf_in(html: str) -> str:
    """The CSRF token every page carries in its meta tag."""
    found = re.search(r'name="csrf-token" content="([^"]+)"', html)
    if not found:
        raise LookupError("the page has no CSRF token")
    return found.group(1)


# --- The run ---


@dataclass
class Record:
    """What every client saw, shared by their threads."""

    timings: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    started: list[tuple[str, int]] = field(default_factory=list)  # (subject, attempt id)
    submitted: set[int] = field(default_factory=set)  # attempts whose result page was shown
    errors: list[str] = field(default_factory=list)
    late: int = 0  # requests sent after their slot, because the previous one was still running
    lock: threading.Lock = field(default_factory=threading.Lock)

    def timed(self, step: str, seconds: float) -> None:
        with self.lock:
            self.timings[step].append(seconds)


class Refused(Exception):
    """A request answered otherwise than a working app answers it."""


@dataclass
class Practitioner:
    """One launched practitioner, looping through a quiz attempt at a fixed pace."""

    subject: str
    browser: requests.Session
    web: str
    record: Record
    period: float  # seconds between this practitioner's requests
    rng: random.Random
    next_at: float = 0.0

    def _send(self, step: str, method: str, path: str, **data: Any) -> requests.Response:
        """One request in its slot (late if the last ran over), timed; a wrong answer refuses."""
        wait = self.next_at - time.perf_counter()
        if wait > 0:
            time.sleep(wait)  # the pace of a person clicking, not waiting for a condition
        else:
            with self.record.lock:
                self.record.late += 1
        self.next_at = max(self.next_at, time.perf_counter()) + self.period
        started = time.perf_counter()
        response = self.browser.request(
            method, self.web + path, data=data or None, allow_redirects=False, timeout=TIMEOUT
        )
        self.record.timed(step, time.perf_counter() - started)
        expected = 302 if method == "POST" else 200
        if response.status_code != expected:
            raise Refused(f"{step} {path}: {response.status_code} {response.text[:300]!r}")
        return response

    def attempt(self) -> None:
        """Home, start the quiz, its page, answers chosen from the page (which lead to the
        summary), the summary, "Submit all and finish", the result."""
        token = csrf_in(self._send("home", "GET", "/practitioner").text)
        start = self._send("start quiz", "POST", f"/quizzes/{QUIZ}/start", csrf_token=token)
        path = urlsplit(start.headers["Location"]).path
        attempt_id = int(path.rsplit("/", 1)[1])
        with self.record.lock:
            self.record.started.append((self.subject, attempt_id))
        form = QuizForm()
        form.feed(self._send("attempt page", "GET", path).text)
        answers = form.answers(self.rng)
        sent = self._send("answers", "POST", path, **answers, csrf_token=token, action="submit")
        self._send("summary", "GET", urlsplit(sent.headers["Location"]).path)
        finished = self._send("submit", "POST", f"{path}/finish", csrf_token=token)
        result = self._send("result", "GET", urlsplit(finished.headers["Location"]).path)
        if 'class="score"><strong>' not in result.text:
            raise Refused(f"the result page of attempt {attempt_id} shows no score")
        with self.record.lock:
            self.record.submitted.add(attempt_id)

    def run(self, until: float, offset: float) -> None:
        """Loop until the time is up, finishing the attempt in hand; an error starts afresh."""
        self.next_at = time.perf_counter() + offset
        while time.perf_counter() < until:
            try:
                self.attempt()
            except (Refused, LookupError, requests.RequestException) as error:
                with self.record.lock:
                    self.record.errors.append(f"{self.subject}: {error}")


# --- Setting the stage ---


def registered(database: str, web: str, server: HTTPServer) -> LocalLms:
    """The database emptied and migrated, and the LMS registered with tool URLs at gunicorn."""
    app = product(database)
    with app.app_context():
        lms = LocalLms.start(server, tool=web)
        lms.register("Load organisation")
        db.engine.dispose()
    return lms


def reader(database: str) -> Flask:
    """A bare Flask app on the database (no content to load), for the benchmark's own rows."""
    bare = Flask("load-benchmark")
    bare.config["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(database)
    db.init_app(bare)
    return bare


def extra_attempts(database: str, subjects: list[str], each: int) -> None:
    """The trainer grants every practitioner enough attempts for the run (written in bulk)."""
    with reader(database).app_context():
        ids = dict(db.session.execute(text("SELECT subject, id FROM person")).all())
        organisation = db.session.scalar(text("SELECT id FROM organisation"))
        now = utc_now()
        rows = [
            {
                "person_id": ids[subject],
                "organisation_id": organisation,
                "quiz_id": QUIZ,
                "granted_by_id": ids[TRAINER.sub],
                "reason": "Attempts for the load benchmark's timed run",
                "granted_at": now,
            }
            for subject in subjects
            for _ in range(each)
        ]
        db.session.execute(db.metadata.tables["extra_attempt"].insert(), rows)
        db.session.commit()
        db.engine.dispose()


@dataclass(frozen=True)
class Stored:
    """What the database holds: every attempt at the quiz, by id, with its person and number."""

    attempts: dict[int, tuple[str, int, str]]  # id: (subject, number, status)


def stored(database: str) -> Stored:
    with reader(database).app_context():
        rows = db.session.execute(
            text(
                "SELECT a.id, p.subject, a.number, a.status FROM quiz_attempt a "
                "JOIN person p ON p.id = a.person_id WHERE a.quiz_id = :quiz"
            ),
            {"quiz": QUIZ},
        ).all()
        db.engine.dispose()
    return Stored({row[0]: (row[1], row[2], row[3]) for row in rows})


def lost_and_duplicated(record: Record, held: Stored) -> tuple[int, int]:
    """Attempts the clients saw submitted that the database lacks, and attempts counted twice.

    Duplicated: a row no client started, an attempt id handed to two starts, or two rows with
    one person's attempt number.
    """
    lost = sum(1 for a in record.submitted if held.attempts.get(a, ("", 0, ""))[2] != "submitted")
    started = [attempt_id for _, attempt_id in record.started]
    unstarted = len(set(held.attempts) - set(started))
    handed_twice = len(started) - len(set(started))
    numbers = [(subject, number) for subject, number, _ in held.attempts.values()]
    return lost, unstarted + handed_twice + len(numbers) - len(set(numbers))


def percentile(ordered: list[float], share: float) -> float:
    """The nearest-rank percentile of sorted seconds, in milliseconds."""
    rank = max(0, min(len(ordered) - 1, round(share * len(ordered) + 0.5) - 1))
    return ordered[rank] * 1000


def summary(timings: list[float]) -> str:
    ordered = sorted(timings)
    p50, p95, p99 = (percentile(ordered, share) for share in (0.5, 0.95, 0.99))
    return f"p50 {p50:.0f} ms, p95 {p95:.0f} ms, p99 {p99:.0f} ms"


@contextmanager
def serving(database: str) -> Iterator[tuple[Web, LocalLms]]:
    """gunicorn on the emptied database, and the LMS registered with it, stopped at the end."""
    server = HTTPServer(host="127.0.0.1", port=0)
    server.start()
    web = Web(database, Path(tempfile.mkdtemp()) / "gunicorn.log")
    try:
        lms = registered(database, web.url, server)
        web.start()
        yield web, lms
    finally:
        web.stop()
        server.stop()


def relaunched(web: str, lms: LocalLms, user: LmsUser) -> requests.Session:
    """A launch, tried again from a new browser when a loaded machine drops the connection."""
    for _ in range(LAUNCH_TRIES - 1):
        try:
            return launched(web, lms, user)
        except requests.ConnectionError:
            continue
    return launched(web, lms, user)


def launch_all(web: Web, lms: LocalLms, people: int) -> dict[str, requests.Session]:
    users = [practitioner(n) for n in range(1, people + 1)]
    with ThreadPoolExecutor(LAUNCHING) as pool:
        browsers = pool.map(lambda user: relaunched(web.url, lms, user), users)
        return {user.sub: browser for user, browser in zip(users, browsers, strict=True)}


def run(
    browsers: dict[str, requests.Session], web: str, rate: float, seconds: float
) -> tuple[Record, float]:
    """Every practitioner in a thread of their own, their slots spread evenly over the period."""
    record = Record()
    period = len(browsers) / rate
    rng = random.Random(18)
    people = [
        Practitioner(s, b, web, record, period, random.Random(rng.random()))
        for s, b in browsers.items()
    ]
    started = time.perf_counter()
    until = started + seconds
    threads = [
        threading.Thread(target=p.run, args=(until, n * period / len(people)))
        for n, p in enumerate(people)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return record, time.perf_counter() - started


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument(
        "database",
        nargs="?",
        default=os.environ.get("BENCH_DATABASE_URL"),
        help="a PostgreSQL database the benchmark may empty (default: BENCH_DATABASE_URL)",
    )
    parser.add_argument("--seconds", type=float, default=60, help="length of the timed run")
    parser.add_argument("--rate", type=float, default=40, help="requests a second, all together")
    parser.add_argument("--practitioners", type=int, default=100)
    found = parser.parse_args()
    if not found.database or not found.database.startswith("postgresql"):
        parser.error("name a PostgreSQL database it may empty, or set BENCH_DATABASE_URL")
    return found


def report(args: argparse.Namespace, record: Record, elapsed: float, held: Stored) -> str:
    every = [t for step in STEPS for t in record.timings[step]]
    lost, duplicated = lost_and_duplicated(record, held)
    steps = "; ".join(f"{step} {summary(record.timings[step])}" for step in STEPS)
    load = ", ".join(f"{n:.1f}" for n in os.getloadavg())
    return (
        f"load on postgresql, gunicorn {WORKERS} workers, {args.practitioners} practitioners "
        f"for {elapsed:.0f} s: {len(every)} requests, {len(every) / elapsed:.1f} a second "
        f"(asked {args.rate:.0f}; {record.late} sent late); {summary(every)}; "
        f"{len(record.submitted)} attempts submitted, {lost} lost, {duplicated} duplicated; "
        f"{len(record.errors)} errors; load average after {load}\n  by step: {steps}"
    )


def main() -> None:
    args = arguments()
    each = int(args.rate * args.seconds / len(STEPS) / args.practitioners * 2) + 3
    with serving(args.database) as (web, lms):
        trainer = relaunched(web.url, lms, TRAINER)
        browsers = launch_all(web, lms, args.practitioners)
        extra_attempts(args.database, list(browsers), each)
        record, elapsed = run(browsers, web.url, args.rate, args.seconds)
        trainer.close()
        held = stored(args.database)
    print(report(args, record, elapsed, held))
    for error in record.errors[:5]:
        print(f"  error: {error}")


if __name__ == "__main__":
    main()
