"""The living demo: fourteen months of the demo organisation's history, replayed through the services.

`flask --app wsgi demo seed` (run by `make run`) fills the organisation, course and people the
demo LMS launches into, so every page has something real to show: 40 practitioners of the
demo cohort at different points of the training, quiz attempts passed and failed, two weekly
consultation groups with attendance taken (and, for last week, not yet), sign-offs, certificates
issued month by month (one revoked, one expiring soon), two programs' fidelity reviews, and the
organisation's logo on its verification pages.

Nothing is inserted by hand. Each event runs the same service a page would call, with
utc_now() answering the moment the event happened (app.models.base.replayed_at), in the order
they happened, so certificates are issued by the ordinary eligibility rules when the evidence
is complete. A fixed random seed makes the story the same on every run, relative to today.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import partial
from typing import Any

from sqlalchemy import select

from app.content import Content
from app.content.model import Activity, ActivityType, Module
from app.demo_lms import story
from app.demo_lms.demo import (
    COURSE,
    DEPLOYMENT_ID,
    PERSONAS,
    RESOURCE_LINK_ID,
    ensure_registered,
)
from app.demo_lms.logo import open_sky_logo
from app.demo_lms.platform import LIS, LmsPlatform, LmsUser
from app.domain.certificates import Transition
from app.domain.consultation import Mark, WeeklyRule, occurrences
from app.domain.quizzes import Draw, QuizBank
from app.extensions import content, db
from app.lti import claims
from app.lti.context import LaunchContext
from app.lti.registry import find_organisation, find_platform
from app.models.base import replayed_at, utc_now
from app.models.certification import Certificate
from app.models.consultation import ConsultationGroup, ConsultationSession
from app.models.people import Person
from app.models.tenancy import Cohort, Organisation, Program
from app.services import certificates, consultation, fidelity, programs, quizzes, signoffs
from app.services import training as training_service
from app.services.launches import record_launch
from app.services.logos import save_logo
from app.services.policies import PolicyChange, save_policy

SEED = 20_240_517  # the story's random seed: the same demo on every run
MARKER = "demo-practitioner-01"  # the subject of the first invented practitioner
FIRST_INTAKE, CERTIFIED = 12, 10  # first-intake practitioners, of whom the first ten certify
# Days before today of each first-intake practitioner's second sign-off (None: none passed yet).
SECOND_SIGNOFF_DAYS = (322, 280, 252, 224, 196, 168, 140, 112, 84, 56, 200, 190)
REVOKED, NOT_PASSED, LOW_ATTENDANCE = 2, 10, 11  # first-intake indexes with those stories
# Modules completed by each invented second-intake practitioner, then Alex and Priya.
SECOND_INTAKE_MODULES = (
    34, 34, 34, 34, 34, 34, 30, 29, 27, 26, 25, 23, 21, 19, 19, 17, 15, 13, 12, 10, 8, 6, 6, 4, 2, 0,
)  # fmt: skip
ALEX_MODULES, PRIYA_MODULES = 22, 34
WHOLE_TRAINING = 34  # modules in courses/ today; a practitioner with fewer is still training
LEARNER = (f"{LIS}membership#Learner",)


@dataclass(frozen=True)
class SeedOutcome:
    """What the seed did, in a line for the command to print."""

    seeded: bool
    line: str


@dataclass(order=True)
class _Event:
    at: datetime
    order: int
    act: Callable[[], object] = field(compare=False)


@dataclass
class _Practitioner:
    """One practitioner's part in the story."""

    user: LmsUser
    modules: int  # how many of the training's modules, in order, they have done
    lag_days: int  # days between one training day and the next (0: the intensive week)
    quiz_plans: dict[str, list[float]] = field(default_factory=dict)
    skip_quizzes: frozenset[str] = frozenset()


class _Story:
    """Builds the timeline of events and replays it, in order, through the services."""

    def __init__(self, platform: LmsPlatform, organisation: Organisation, now: datetime) -> None:
        self.platform, self.organisation, self.now = platform, organisation, now
        self.today = now.date()
        self.rng = random.Random(SEED)  # noqa: S311 (a demo's story, not a secret)
        self.content: Content = content()
        self.events: list[_Event] = []
        self.people: dict[str, Person] = {}
        self.groups: dict[str, ConsultationGroup] = {}
        self.cohort: Cohort | None = None
        self.trained: set[int] = set()  # people with every module done

    def check_certificate(self, person_id: int, because: str) -> None:
        """What the page that recorded the evidence runs next: issue the certificate if it is due.

        Skipped for people still in training, whom the rules cannot certify yet (issue_due
        filters the same way), so the replay stays fast.
        """
        if person_id in self.trained:
            certificates.issue_when_eligible(person_id, self.the_cohort(), because)

    # -- the timeline ----------------------------------------------------------------------

    def at(self, moment: datetime, act: Callable[[], object]) -> None:
        """Queue an event; events at the same moment keep the order they were queued in."""
        if moment >= self.now:
            raise ValueError(f"the demo's history cannot happen in the future ({moment})")
        self.events.append(_Event(moment, len(self.events), act))

    def day(self, days_ago: int, hour: int = 9, minute: int = 0) -> datetime:
        """A moment `days_ago` days before today, at a UTC time of day."""
        return datetime.combine(self.today - timedelta(days=days_ago), time(hour, minute), UTC)

    def replay(self) -> None:
        """Run every event in time order, each flushed at its own moment (row defaults too)."""
        for event in sorted(self.events):
            with replayed_at(event.at):
                event.act()
                db.session.flush()

    # -- people ------------------------------------------------------------------------------

    def launch(self, user: LmsUser) -> None:
        """The person opens IMR Academy from the course, as the demo LMS's launch would record."""
        body = {
            "iss": self.platform.issuer,
            "aud": self.platform.client_id,
            "sub": user.sub,
            "name": user.name,
            "email": user.email,
            claims.DEPLOYMENT_ID: DEPLOYMENT_ID,
            claims.MESSAGE_TYPE: "LtiResourceLinkRequest",
            claims.ROLES: list(user.roles),
            claims.CONTEXT: {"id": COURSE.id, "title": COURSE.title, "label": COURSE.label},
            claims.RESOURCE_LINK: {"id": RESOURCE_LINK_ID},
        }
        person, _ = record_launch(LaunchContext.from_claims(f"demo-seed-{user.sub}", body))
        self.people[user.sub] = person
        if self.cohort is None:
            self.cohort = db.session.scalars(
                select(Cohort).filter_by(organisation_id=self.organisation.id, context_id=COURSE.id)
            ).one()

    def person(self, key: str) -> Person:
        return self.people[PERSONAS[key][0].sub] if key in PERSONAS else self.people[key]

    @property
    def trainer_id(self) -> int:
        return self.person("trainer").id

    @property
    def director_id(self) -> int:
        return self.person("director").id

    def the_cohort(self) -> Cohort:
        if self.cohort is None:
            raise LookupError("nobody has launched into the demo course yet")
        return self.cohort


def _invented(number: int, name: str) -> LmsUser:
    email = name.lower().replace("'", "").replace(" ", ".") + "@example.org"
    return LmsUser(f"demo-practitioner-{number:02d}", name, email, LEARNER)


def _practitioners(rng: random.Random) -> list[_Practitioner]:
    """The cohort's 40 practitioners: twelve from the first intake, 28 from the second."""
    users = [_invented(n + 1, name) for n, name in enumerate(story.PRACTITIONER_NAMES)]
    first = [
        _Practitioner(u, WHOLE_TRAINING, rng.choice((0, 0, 1, 2))) for u in users[:FIRST_INTAKE]
    ]
    second = [
        _Practitioner(u, modules, 0 if modules == WHOLE_TRAINING else rng.choice((1, 3, 6, 10)))
        for u, modules in zip(users[FIRST_INTAKE:], SECOND_INTAKE_MODULES, strict=True)
    ]
    alex, priya = PERSONAS["practitioner"][0], PERSONAS["practitioner-2"][0]
    return [
        *first,
        *second,
        _Practitioner(alex, ALEX_MODULES, 2),
        _Practitioner(priya, PRIYA_MODULES, 0),
    ]


def _leaders(s: _Story, start: datetime) -> None:
    """The director sets the requirements and programs; the trainer opens the course."""

    def director() -> None:
        s.launch(PERSONAS["director"][0])
        save_policy(
            s.organisation.id,
            s.director_id,
            PolicyChange(
                consultation_sessions=12, consultation_rate=75, require_signoff=True,
                approval="automatic", validity_months=12, renewal_sessions=6,
                reminder_days=[60, 30, 7], signatory_name="Jordan Lee",
                signatory_title="Program Director", signoffs_needed=2, real_session_needed=True,
                signoff_rule="latest", timezone="Europe/London", quizzes_wait_for_day=True,
            ),
        )  # fmt: skip
        save_logo(s.organisation.id, s.director_id, open_sky_logo())
        community = programs.create_program(s.organisation.id, "Community recovery team")
        programs.create_program(s.organisation.id, "Residential recovery")
        programs.assign_cohort(s.the_cohort(), community)

    s.at(start, director)
    s.at(start + timedelta(hours=2), lambda: s.launch(PERSONAS["trainer"][0]))


# -- training and quizzes ------------------------------------------------------------------


def _do_module(s: _Story, who: _Practitioner, module: Module) -> None:
    """Every required activity of the module, and now and then an optional reflection."""
    person = s.person(who.user.sub)
    for activity in module.activities:
        optional_reflection = activity.type is ActivityType.REFLECTION and s.rng.random() < 0.35
        if activity.required or optional_reflection:
            _do_activity(s, person, module, activity)
    if module.id == s.content.catalog.ordered_modules[-1].id:
        s.trained.add(person.id)
        s.check_certificate(person.id, f"the module {module.title} was completed")


def _do_activity(s: _Story, person: Person, module: Module, activity: Activity) -> None:
    """The practitioner's work on one activity, as the module page saves it."""
    work: dict[str, Any] = {}
    if activity.type is ActivityType.REFLECTION:
        work["text"] = s.rng.choice(story.REFLECTIONS)
    elif activity.type is ActivityType.ROLE_PLAY:
        work["practised"] = True
    elif activity.type is ActivityType.CHECKLIST:
        work["checked"] = list(range(len(activity.items)))
    training_service.save_response(person.id, s.organisation.id, module, activity, **work)


def _question_ids(draw: list[Any]) -> list[str]:
    return [q["question"]["id"] for item in draw for q in item["questions"]]


def _attempt(s: _Story, who: _Practitioner, bank: QuizBank, wrong_share: float) -> None:
    """One attempt, unless the quiz is passed already, with about `wrong_share` answered wrong."""
    person, cohort = s.person(who.user.sub), s.the_cohort()
    earlier = quizzes.attempts_of(person.id, s.organisation.id, bank.id)
    if any(a.passed for a in earlier):
        return
    if len(earlier) >= quizzes.allowed_attempts(bank, person.id, s.organisation.id):
        raise quizzes.QuizRefused(f"the demo gives {who.user.name} too many tries at {bank.title}")
    started = utc_now()
    attempt = quizzes.new_attempt(
        bank, person.id, s.organisation.id, cohort.id, len(earlier) + 1, started, s.rng
    )
    db.session.flush()
    wrong = {q for q in _question_ids(attempt.draw) if s.rng.random() < wrong_share}
    finished = started + timedelta(minutes=s.rng.randint(12, 25))
    with replayed_at(finished):
        answers = Draw.of(attempt.draw).answers(lambda question: question not in wrong)
        if quizzes.submit(attempt.id, bank, answers, finished).passed:
            s.check_certificate(person.id, f"{bank.title} was passed")


def _quiz_plan(s: _Story, attempts: int) -> list[float]:
    """How many answers each attempt gets wrong: most pass at once, some on a second go; the
    last attempt the story allows is always answered well."""
    first = 0.45 if s.rng.random() < 0.2 else 0.05
    return [first, *([0.0] * (attempts - 1))]


def _training(s: _Story, who: _Practitioner, start: datetime) -> None:
    """The modules the practitioner has done, day by day, and each finished day's quiz."""
    catalog = s.content.catalog
    done = {module.id for module in catalog.ordered_modules[: who.modules]}
    finished: dict[int, datetime] = {}
    for day in catalog.days:
        opened = start + timedelta(days=(day.number - 1) * (1 + who.lag_days))
        for position, module in enumerate(day.modules):
            if module.id in done:
                moment = opened + timedelta(minutes=30 + 50 * position)
                s.at(moment, partial(_do_module, s, who, module))
        if all(module.id in done for module in day.modules):
            finished[day.number] = moment
    for bank in s.content.quizzes.values():
        if all(d in finished for d in bank.days):
            _quiz(s, who, bank, max(finished[d] for d in bank.days) + timedelta(hours=1))


def _quiz(s: _Story, who: _Practitioner, bank: QuizBank, first: datetime) -> None:
    """The practitioner's attempts at one quiz, a day apart, until one passes."""
    if bank.id in who.skip_quizzes:
        return
    plan = who.quiz_plans.get(bank.id) or _quiz_plan(s, bank.attempts_allowed)
    for n, wrong_share in enumerate(plan):
        s.at(first + timedelta(days=n), partial(_attempt, s, who, bank, wrong_share))


# -- consultation ----------------------------------------------------------------------------


@dataclass(frozen=True)
class _GroupPlan:
    """A consultation group: its rule, members, and which sessions had attendance taken."""

    name: str
    first_date: date
    weeks: int
    local_time: time
    members: list[_Practitioner]
    taken_until: int  # attendance is taken for sessions before this index
    cancelled: int | None = None

    def starts(self) -> list[datetime]:
        rule = WeeklyRule(
            self.first_date.weekday(), self.local_time, TIMEZONE, 60, self.first_date, self.weeks
        )
        return occurrences(rule)


TIMEZONE = "Europe/London"
LATE_NOTE = "Joined a quarter of an hour late: the team meeting before it overran."


def _create_group(s: _Story, plan: _GroupPlan) -> None:
    """The trainer schedules the group and adds its members."""
    group = consultation.create_group(
        s.the_cohort(),
        name=plan.name,
        weekday=plan.first_date.weekday(),
        local_time=plan.local_time,
        timezone=TIMEZONE,
        duration_minutes=60,
        location="Riverside Centre, room 2, or by video link",
        first_date=plan.first_date,
        weeks=plan.weeks,
        end_date=None,
    )
    consultation.set_members(group, [s.person(m.user.sub) for m in plan.members])
    s.groups[plan.name] = group


def _session(s: _Story, plan: _GroupPlan, start: datetime) -> ConsultationSession:
    return next(x for x in s.groups[plan.name].sessions if x.starts_at == start)


def _take_attendance(s: _Story, plan: _GroupPlan, start: datetime, marks: dict[str, Mark]) -> None:
    """The trainer's attendance form for one session, then the evidence check the page runs."""
    session = _session(s, plan, start)
    by_person = {
        s.person(sub).id: (mark, LATE_NOTE if mark is Mark.LATE else None)
        for sub, mark in marks.items()
    }
    consultation.record_attendance(session, by_person, s.trainer_id)
    for person_id in by_person:
        s.check_certificate(person_id, "attendance was saved")


def _apologise(s: _Story, plan: _GroupPlan, start: datetime, sub: str, accept: bool | None) -> None:
    """A practitioner sends apologies two days ahead (yesterday, for a session days away); the
    trainer decides the next day (or not yet)."""
    reason = story.APOLOGY_REASONS[0 if accept is None else 1]
    s.at(
        min(start - timedelta(days=2), s.day(1, 18)),
        lambda: consultation.send_apology(_session(s, plan, start), s.person(sub).id, reason),
    )
    if accept is not None:
        s.at(start - timedelta(days=1), lambda: _decide(s, plan, start, sub, accept))


def _decide(s: _Story, plan: _GroupPlan, start: datetime, sub: str, accept: bool) -> None:
    apology = consultation.apologies_for(_session(s, plan, start))[s.person(sub).id]
    consultation.decide_apology(apology, accept, s.trainer_id)


def _cancel(s: _Story, plan: _GroupPlan, start: datetime) -> None:
    consultation.cancel_session(_session(s, plan, start), story.CANCEL_REASON)


def _marks(
    s: _Story, plan: _GroupPlan, index: int, missing: dict[str, set[int]]
) -> dict[str, Mark]:
    """Each member's mark for one session: present, now and then late, absent where planned."""
    marks = {}
    for member in plan.members:
        sub = member.user.sub
        if index in missing.get(sub, set()):
            marks[sub] = Mark.ABSENT
        else:
            marks[sub] = Mark.LATE if s.rng.random() < 0.08 else Mark.PRESENT
    return marks


def _group(
    s: _Story, plan: _GroupPlan, missing: dict[str, set[int]], excused: dict[int, str]
) -> None:
    """The group's life: scheduled a week before it starts, attendance after each session."""
    starts = plan.starts()
    s.at(
        datetime.combine(plan.first_date - timedelta(days=7), time(16), UTC),
        lambda: _create_group(s, plan),
    )
    for index, start in enumerate(starts[: plan.taken_until]):
        if index == plan.cancelled:
            s.at(start - timedelta(days=3), partial(_cancel, s, plan, start))
            continue
        marks = _marks(s, plan, index, missing)
        if index in excused:
            _apologise(s, plan, start, excused[index], accept=True)
            marks[excused[index]] = Mark.EXCUSED
        s.at(
            start + timedelta(minutes=90),
            partial(_take_attendance, s, plan, start, marks),
        )


# -- sign-offs, certificates, fidelity ---------------------------------------------------------


def _ratings(s: _Story, passing: bool, session_format: str) -> dict[str, int | None]:
    """Rubric ratings a trainer might give: mostly 3 to 5 for a pass; weak action planning if not."""
    ratings: dict[str, int | None] = {}
    for item in s.content.rubric.items:
        if not item.applies_to(session_format) or (not item.required and s.rng.random() < 0.5):
            continue
        ratings[item.id] = s.rng.choice((3, 4, 4, 4, 5))
    if not passing:
        ratings["weekly-action-planning"], ratings["action-plan-review"] = 2, 2
    return ratings


def _signoff(s: _Story, sub: str, observed: str, passing: bool = True) -> None:
    """The trainer records a sign-off of an observed session, then the page's evidence check."""
    session_format = "group" if s.rng.random() < 0.3 else "individual"
    summary = s.rng.choice(story.SIGNOFF_SUMMARIES) if passing else story.SIGNOFF_NOT_YET
    comments = {} if passing else {"action-plan-review": "Last week's plan was not asked about."}
    person = s.person(sub)
    signoffs.record_signoff(
        s.content.rubric, person.id, s.organisation.id, s.trainer_id, utc_now().date(),
        observed, _ratings(s, passing, session_format), comments, summary, session_format,
    )  # fmt: skip
    certificates.issue_when_eligible(
        person.id, s.the_cohort(), "a competency sign-off was recorded"
    )


def _revoke(s: _Story, sub: str) -> None:
    certificate = certificates.current_certificate(s.person(sub).id, s.organisation.id)
    if certificate is None:
        raise LookupError(f"the demo expected {sub} to hold a certificate by now")
    certificates.change_standing(certificate, Transition.REVOKE, story.REVOKE_REASON, s.director_id)


FIRST_REVIEW = {
    "group-size": 4, "program-length": 3, "curriculum-comprehensiveness": 4,
    "educational-handouts": 4, "significant-others": 2, "goal-setting": 4, "goal-follow-up": 3,
    "motivation-based-strategies": 4, "educational-techniques": 4, "cbt-techniques": 3,
    "coping-skills-training": 3, "relapse-prevention-training": 3, "behavioural-tailoring": 2,
}  # fmt: skip
SECOND_REVIEW = FIRST_REVIEW | {
    "program-length": 4, "goal-follow-up": 4, "cbt-techniques": 4, "coping-skills-training": 4,
    "relapse-prevention-training": 4, "significant-others": 3, "behavioural-tailoring": 3,
    "group-size": 5, "educational-handouts": 5,
}  # fmt: skip


def _review(s: _Story, program_name: str, ratings: Mapping[str, int], submit: bool) -> None:
    """The director's fidelity review of one program, submitted or left as a draft."""
    program = db.session.scalars(
        select(Program).filter_by(organisation_id=s.organisation.id, name=program_name)
    ).one()
    review = fidelity.draft(program, s.director_id, utc_now().date())
    fidelity.save(
        review,
        reviewed_on=utc_now().date(),
        reviewers="Jordan Lee and Morgan Ellis (regional IMR trainer)",
        sources=list(fidelity.SOURCES),
        ratings={**ratings},
        evidence=dict(story.FIDELITY_EVIDENCE) if submit else {},
    )
    if submit:
        fidelity.submit(review, s.content.fidelity_scale, s.director_id)


# -- the two intakes -------------------------------------------------------------------------


def _join(s: _Story, who: _Practitioner, moment: datetime) -> None:
    """First launch from the course, then the practitioner's choice about sharing reflections."""
    s.at(moment, lambda: s.launch(who.user))
    choice = s.rng.random()
    if choice < 0.9:
        shares = choice < 0.75 or who.user.sub == PERSONAS["practitioner"][0].sub
        s.at(
            moment + timedelta(minutes=5),
            lambda: training_service.record_consent(
                s.person(who.user.sub).id, s.organisation.id, shares
            ),
        )


TUESDAY, THURSDAY = 1, 3


def _weekday_before(s: _Story, days_ago: int, weekday: int) -> date:
    """The last `weekday` (0 is Monday) at least `days_ago` days back, so that a group named for
    its weekday meets on it: the Thursday group, 78 to 84 days back, has held its twelfth
    session last week and meets again within the week."""
    day = s.today - timedelta(days=days_ago)
    return day - timedelta(days=(day.weekday() - weekday) % 7)


def _first_intake(s: _Story, people: list[_Practitioner]) -> None:
    """Trained fourteen months ago; consultation ran for sixteen weeks; most are certified."""
    for n, who in enumerate(people):
        _join(s, who, s.day(407, 8, n * 3))
        _training(s, who, s.day(406, 9))
    subs = [who.user.sub for who in people]
    missing = {sub: set(s.rng.sample(range(12, 16), s.rng.randint(0, 2))) for sub in subs[1:]}
    missing[subs[LOW_ATTENDANCE]] = {2, 5, 7, 9, 12, 14}
    plan = _GroupPlan("Tuesday consultation, first intake", _weekday_before(s, 389, TUESDAY), 16,
                      time(10), people, taken_until=16)  # fmt: skip
    _group(s, plan, missing, excused={6: subs[4]})
    for n, sub in enumerate(subs):
        days = SECOND_SIGNOFF_DAYS[n]
        s.at(s.day(days + 28, 15), partial(_signoff, s, sub, "role-play"))
        passing = n != NOT_PASSED
        s.at(s.day(days, 15), partial(_signoff, s, sub, "real session", passing))
    s.at(s.day(42, 11), lambda: _revoke(s, subs[REVOKED]))


def _second_intake(s: _Story, people: list[_Practitioner]) -> None:
    """Trained fourteen weeks ago; consultation is in its twelfth week; nobody certified yet."""
    for n, who in enumerate(people):
        _join(s, who, s.day(99, 8, n * 2))
        _training(s, who, s.day(98, 9))
    extra = people[2]
    extra.quiz_plans["day-2"] = [0.45, 0.45, 0.45, 0.0]
    s.at(s.day(98 - 1 - 2, 17), lambda: _grant(s, extra.user.sub, "day-2"))
    members = [who for who in people if who.modules > 0]
    subs = [who.user.sub for who in members]
    missing = {sub: {s.rng.randrange(11)} for sub in s.rng.sample(subs, 6)}
    missing[subs[20]] = {1, 2, 4, 6, 7, 9, 10}
    plan = _GroupPlan("Thursday consultation, second intake", _weekday_before(s, 78, THURSDAY), 24,
                      time(14), members, taken_until=11, cancelled=5)  # fmt: skip
    _group(s, plan, missing, excused={8: subs[3]})
    _apologise(s, plan, plan.starts()[12], subs[7], accept=None)
    s.at(s.day(30, 15), lambda: _signoff(s, subs[0], "role-play"))
    s.at(s.day(16, 15), lambda: _signoff(s, subs[1], "real session"))
    s.at(s.day(20, 15), lambda: _signoff(s, PERSONAS["practitioner-2"][0].sub, "role-play"))


def _grant(s: _Story, sub: str, quiz_id: str) -> None:
    quizzes.grant_extra_attempt(
        s.person(sub).id, s.organisation.id, quiz_id, s.trainer_id, story.EXTRA_ATTEMPT_REASON
    )


def _plan(s: _Story) -> None:
    """Everything that happened, queued in any order; the replay sorts it by time."""
    people = _practitioners(s.rng)
    alex, priya = people[-2], people[-1]
    alex.quiz_plans.update({"day-1": [0.05, 0.0, 0.0], "day-2": [0.45, 0.0, 0.0]})
    alex.skip_quizzes = frozenset({"day-3"})
    priya.skip_quizzes = frozenset({"final"})
    _leaders(s, s.day(425, 9))
    _first_intake(s, people[:FIRST_INTAKE])
    _second_intake(s, people[FIRST_INTAKE:])
    s.at(s.day(350, 13), lambda: _review(s, "Community recovery team", FIRST_REVIEW, True))
    s.at(s.day(168, 13), lambda: _review(s, "Community recovery team", SECOND_REVIEW, True))
    residential = {"group-size": 5, "program-length": 3, "curriculum-comprehensiveness": 3}
    s.at(s.day(5, 13), lambda: _review(s, "Residential recovery", residential, False))
    s.at(
        s.now - timedelta(minutes=5),
        lambda: certificates.issue_due(s.organisation.id, "the daily check of evidence"),
    )


def _summary(organisation: Organisation) -> str:
    held = list(db.session.scalars(select(Certificate).filter_by(organisation_id=organisation.id)))
    revoked = sum(1 for c in held if c.revoked_at is not None)
    return (
        f"Seeded the demo organisation {organisation.name}: 40 practitioners, two consultation "
        f"groups, {len(held)} certificates ({revoked} revoked) and three fidelity reviews."
    )


def seed_demo(platform: LmsPlatform, now: datetime | None = None) -> SeedOutcome:
    """Register the demo LMS and, the first time, replay the demo organisation's history.

    Flushes only: the caller commits once, so a failure leaves nothing half-seeded.
    """
    ensure_registered(platform)
    registered = find_platform(platform.issuer, platform.client_id)
    organisation = find_organisation(registered, platform.deployment_id) if registered else None
    if registered is None or organisation is None:
        raise LookupError("the demo LMS's registration did not take")
    marker = select(Person.id).filter_by(platform_id=registered.id, subject=MARKER)
    if db.session.scalar(marker) is not None:
        return SeedOutcome(False, f"The demo organisation {organisation.name} is already seeded.")
    s = _Story(platform, organisation, now or utc_now())
    _plan(s)
    s.replay()
    return SeedOutcome(True, _summary(organisation))
