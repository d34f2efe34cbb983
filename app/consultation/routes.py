"""Consultation pages: trainers schedule and take attendance; practitioners see and plan theirs."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import (
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response

from app.auth import identity, load_owned, role_required
from app.consultation import bp
from app.consultation.calendar import calendar_bytes
from app.consultation.forms import (
    WEEKDAYS,
    ApologyForm,
    DecisionForm,
    GroupForm,
    MakeupForm,
    MembersForm,
    MoveForm,
    ReasonForm,
)
from app.dispatch import dispatch, own_task
from app.domain.consultation import Mark, ScheduleError
from app.domain.paging import PageRequest
from app.domain.roles import Role
from app.domain.toolkit import Focus
from app.exports import csv_response
from app.extensions import content, db
from app.forms import options, validated, whole_number
from app.layout import local
from app.models.base import utc_now
from app.models.consultation import Apology, ConsultationGroup, ConsultationSession, GroupMember
from app.models.tenancy import Cohort
from app.services import certificates
from app.services import consultation as service
from app.services.people import practitioner_in_cohort
from app.services.training import cohort_practitioners
from app.tasks import sync_cohort_roster


def _cohort() -> Cohort:
    cohort_id = identity().cohort_id
    if cohort_id is None:
        abort(400, "Open IMR Academy from inside a course to see its consultation.")
    return db.session.get_one(Cohort, cohort_id)


def _group(group_id: int) -> ConsultationGroup:
    return load_owned(
        ConsultationGroup, group_id, "That consultation group is not part of your cohort."
    )


def _session(session_id: int) -> ConsultationSession:
    return load_owned(
        ConsultationSession, session_id, "That session is not part of your cohort's consultation."
    )


def _focuses() -> dict[str, Focus]:
    """The consultation guide's skill focuses by id (none until the guide is in toolkit/)."""
    guide = content().toolkit.consultation_guide()
    return {focus.id: focus for focus in guide.focuses} if guide else {}


def _local(group: ConsultationGroup, day, at) -> datetime:
    return datetime.combine(day, at).replace(tzinfo=ZoneInfo(group.timezone))


@bp.get("/")
@role_required(Role.TRAINER)
def index(form: GroupForm | None = None, status: int = 200) -> Response:
    """The cohort's consultation groups, a form for a new one, and the roster."""
    cohort = _cohort()
    groups = service.groups_in(cohort.id)
    page = render_template(
        "consultation/index.html",
        cohort=cohort,
        groups=groups,
        form=form or GroupForm(),
        weekdays=WEEKDAYS,
        sync_form=FlaskForm(),
    )
    return make_response(page, status)


@bp.post("/groups")
@role_required(Role.TRAINER)
def create() -> Response:
    """Create a weekly group and generate its sessions from the rule."""
    form = GroupForm()
    if form.validate_on_submit():
        try:
            group = service.create_group(
                _cohort(),
                name=form.name.data,
                location=form.location.data,
                excused_allowed=form.excused_allowed.data,
                **form.rule_fields(),
            )
        except ScheduleError as error:
            form.form_errors.append(str(error))
        else:
            flash(f"{group.name} is scheduled: {len(group.sessions)} sessions.", "success")
            return redirect(url_for("consultation.group", group_id=group.id))
    return index(form, 400)


def _group_page(
    group: ConsultationGroup,
    edit: GroupForm | None = None,
    status: int = 200,
    makeup: MakeupForm | None = None,
) -> Response:
    practitioners = cohort_practitioners(db.session.get_one(Cohort, group.cohort_id))
    members = MembersForm(members=[m.person_id for m in group.members])
    members.members.choices = options((p.id, p.display_name) for p in practitioners)
    makeup = makeup or MakeupForm(duration_minutes=group.duration_minutes)
    makeup.replaces.choices = options(
        (s.id, local(s.starts_at, group.timezone)) for s in group.sessions if not s.is_makeup
    )
    asked = PageRequest.from_args(request.args, service.MEMBER_SORTS, "name")
    members_page, standings = service.standings_page(group, asked)
    html = render_template(
        "consultation/group.html",
        group=group,
        rules=service.attendance_rules(group),
        page=members_page,
        standings=standings,
        now=utc_now(),
        edit=edit or GroupForm(obj=group, ends="weeks" if group.weeks else "date"),
        members=members,
        makeup=makeup,
        pending=service.apologies_waiting(group.cohort_id, group.id),
        decision=DecisionForm(),
        reason=ReasonForm(),
        move=MoveForm(),
        weekdays=WEEKDAYS,
        feed=service.feed_of(identity().organisation_id, group_id=group.id),
        plain=FlaskForm(),
        attendance_opens=service.ATTENDANCE_OPENS,
        focuses=_focuses(),
    )
    return make_response(html, status)


def _refused_on_group_page(
    group: ConsultationGroup, reason: str, makeup: MakeupForm | None = None
) -> Response:
    """The group page again with the reason as its alert, answered 400: nothing was saved.

    The session forms there show no field errors, so the reason travels as a flash, which
    this very page shows; the make-up form keeps what the trainer typed.
    """
    flash(reason, "error")
    return _group_page(group, status=400, makeup=makeup)


@bp.get("/groups/<int:group_id>")
@role_required(Role.TRAINER)
def group(group_id: int) -> Response:
    """A group: its sessions, members, attendance standings and pending apologies."""
    return _group_page(_group(group_id))


@bp.post("/groups/<int:group_id>/edit")
@role_required(Role.TRAINER)
def edit(group_id: int) -> Response:
    """Change the series; past sessions and their attendance stay as they were."""
    found = _group(group_id)
    form = GroupForm().editing(found.first_date, found.end_date)
    if form.validate_on_submit():
        try:
            service.edit_group(
                found,
                name=form.name.data,
                location=form.location.data,
                excused_allowed=form.excused_allowed.data,
                **form.rule_fields(),
            )
        except ScheduleError as error:
            form.form_errors.append(str(error))
        else:
            flash("The series is updated. Sessions already held keep their attendance.", "success")
            return redirect(url_for("consultation.group", group_id=found.id))
    return _group_page(found, edit=form, status=400)


@bp.post("/groups/<int:group_id>/members")
@role_required(Role.TRAINER)
def members(group_id: int) -> Response:
    """Choose which of the cohort's practitioners belong to the group."""
    found = _group(group_id)
    form = MembersForm()
    form.members.choices = options(
        (p.id, p.display_name)
        for p in cohort_practitioners(db.session.get_one(Cohort, found.cohort_id))
    )
    if not form.validate_on_submit():
        abort(400, "Choose members from your cohort's practitioners.")
    chosen = [practitioner_in_cohort(found.cohort_id, pid) for pid in form.members.data or []]
    service.set_members(found, [p for p in chosen if p is not None])
    flash("Members saved.", "success")
    return redirect(url_for("consultation.group", group_id=found.id))


@bp.post("/groups/<int:group_id>/makeup")
@role_required(Role.TRAINER)
def makeup(group_id: int) -> Response:
    """Add a make-up session linked to the session it makes up for."""
    found = _group(group_id)
    form = MakeupForm()
    form.replaces.choices = options((s.id, str(s.id)) for s in found.sessions if not s.is_makeup)
    if not form.validate_on_submit():
        flash("Give the make-up session's date, time and the session it replaces.", "error")
        return redirect(url_for("consultation.group", group_id=found.id))
    replaced = _session(form.replaces.data)
    when = _local(found, form.date.data, form.time.data)
    try:
        service.add_makeup(found, when, validated(form.duration_minutes.data), replaced)
    except ScheduleError as error:
        return _refused_on_group_page(found, f"No make-up session was added. {error}", form)
    flash("Make-up session added.", "success")
    return redirect(url_for("consultation.group", group_id=found.id))


@bp.post("/groups/<int:group_id>/feed")
@role_required(Role.TRAINER)
def group_feed(group_id: int) -> Response:
    """Replace the group's calendar address (the old one stops working)."""
    found = _group(group_id)
    service.new_feed(identity().organisation_id, group_id=found.id)
    flash("The group's calendar has a new private address; the old one no longer works.", "success")
    return redirect(url_for("consultation.group", group_id=found.id))


def _members(session: ConsultationSession) -> list[GroupMember]:
    return sorted(session.group.members, key=lambda m: m.person.name)


@bp.get("/sessions/<int:session_id>")
@role_required(Role.TRAINER)
def attendance(session_id: int) -> Response:
    """Take attendance for every member in one form (everyone present unless changed)."""
    session = _session(session_id)
    return make_response(
        render_template(
            "consultation/attendance.html",
            session=session,
            members=_members(session),
            current=service.marks_for(session),
            apologies=service.apologies_for(session),
            form=FlaskForm(),
            marks=list(Mark),
            is_open=service.attendance_open(session),
        )
    )


def _marks_sent(members: list[GroupMember]) -> dict[int, tuple[Mark, str]]:
    """Each member's mark and note from the form; a missing or unknown mark is refused by name."""
    marks = {}
    for member in members:
        value = request.form.get(f"mark-{member.person_id}", "")
        if value not in {m.value for m in Mark}:
            abort(400, f"Choose present, late, excused or absent for {member.person.display_name}.")
        marks[member.person_id] = (
            Mark(value),
            request.form.get(f"note-{member.person_id}", "")[:500],
        )
    return marks


@bp.post("/sessions/<int:session_id>")
@role_required(Role.TRAINER)
def save_attendance(session_id: int) -> Response:
    """Keep the marks, then issue the certificates this attendance completed."""
    session = _session(session_id)
    marks = _marks_sent(_members(session))
    try:
        changed = service.record_attendance(session, marks, identity().person_id)
    except service.ConsultationRefused as refused:
        abort(400, str(refused))
    cohort = db.session.get_one(Cohort, session.group.cohort_id)
    certificates.issue_when_eligible_each(marks, cohort, "attendance was saved")
    kept = f"; {changed} earlier mark(s) changed and kept in the audit trail" if changed else ""
    flash(f"Attendance saved{kept}.", "success")
    return redirect(url_for("consultation.group", group_id=session.group_id))


@bp.post("/sessions/<int:session_id>/cancel")
@role_required(Role.TRAINER)
def cancel(session_id: int) -> Response:
    session = _session(session_id)
    form = ReasonForm()
    if not form.validate_on_submit():
        flash("Give a reason for cancelling: members see it.", "error")
    else:
        try:
            service.cancel_session(session, form.reason.data or "")
        except service.ConsultationRefused as refused:
            flash(str(refused), "error")
        else:
            flash(
                "Session cancelled; members see the reason and their calendars show it cancelled.",
                "success",
            )
    return redirect(url_for("consultation.group", group_id=session.group_id))


@bp.post("/sessions/<int:session_id>/move")
@role_required(Role.TRAINER)
def move(session_id: int) -> Response:
    session = _session(session_id)
    form = MoveForm()
    if not form.validate_on_submit():
        flash("Give the new date and time.", "error")
    else:
        try:
            service.move_session(session, _local(session.group, form.date.data, form.time.data))
            flash("Session moved.", "success")
        except ScheduleError as error:
            return _refused_on_group_page(session.group, f"The session was not moved. {error}")
        except service.ConsultationRefused as refused:
            flash(str(refused), "error")
    return redirect(url_for("consultation.group", group_id=session.group_id))


FOCUS_FIELD = "focus-"


def _posted_focuses(allowed: set[str]) -> dict[int, str | None] | None:
    """The focus chosen for each session on the page (by session id), None when any answer
    is not one of the guide's (typed text, or a field name that names no session)."""
    chosen: dict[int, str | None] = {}
    for name, value in request.form.items():
        if not name.startswith(FOCUS_FIELD):
            continue
        session_id = whole_number(name.removeprefix(FOCUS_FIELD))
        if session_id is None or (value and value not in allowed):
            return None
        chosen[session_id] = value or None
    return chosen


@bp.post("/groups/<int:group_id>/focuses")
@role_required(Role.TRAINER)
def focuses(group_id: int) -> Response:
    """Save the skill focuses chosen for the group's upcoming sessions, all in one action."""
    found = _group(group_id)
    guide = _focuses()
    chosen = _posted_focuses(set(guide))
    if chosen is None:
        flash("Choose each focus from the consultation guide's list; nothing was saved.", "error")
        return redirect(url_for("consultation.group", group_id=found.id))
    try:
        changed = service.choose_focuses(found, chosen)
    except service.ConsultationRefused as refused:
        flash(str(refused), "error")
    else:
        flash(_focuses_saved(changed), "success")
    return redirect(url_for("consultation.group", group_id=found.id))


def _focuses_saved(changed: int) -> str:
    if changed == 0:
        return "No focus changed."
    return f"Skill focus saved for {changed} session{'s' if changed != 1 else ''}."


@bp.post("/apologies/<int:apology_id>")
@role_required(Role.TRAINER)
def decide(apology_id: int) -> Response:
    apology = load_owned(Apology, apology_id, "That apology is not for your cohort.")
    form = DecisionForm()
    if not form.validate_on_submit():
        abort(400, "Accept or decline the apology.")
    accept = form.decision.data == "accept"
    try:
        service.decide_apology(apology, accept, identity().person_id)
    except service.ConsultationRefused as refused:
        flash(str(refused), "error")
    else:
        flash("Apology accepted: marked excused." if accept else "Apology declined.", "success")
    return redirect(url_for("consultation.group", group_id=apology.session.group_id))


def _attendance_rows(groups: list[ConsultationGroup]) -> list[list[object]]:
    rows = []
    for found in groups:
        for standing in service.group_standings(found):
            s = standing.summary
            rows.append(
                [
                    found.name,
                    standing.person.display_name,
                    standing.person.email or "",
                    s.scheduled,
                    s.held,
                    s.attended,
                    s.made_up,
                    s.forgiven,
                    s.missed,
                    f"{float(s.rate):.1f}",
                    s.required,
                    s.still_needed,
                    "yes" if s.cannot_reach else "no",
                    f"{float(s.hours):.2f}",
                ]
            )
    return rows


CSV_HEADER = [
    "Group",
    "Practitioner",
    "Email",
    "Scheduled",
    "Held",
    "Attended",
    "Made up",
    "Excused (forgiven)",
    "Missed",
    "Rate over the period %",
    "Required",
    "Still needed",
    "Can no longer reach the minimum",
    "Hours",
]


@bp.get("/groups/<int:group_id>/attendance.csv")
@role_required(Role.TRAINER)
def group_csv(group_id: int) -> Response:
    found = _group(group_id)
    return csv_response(f"attendance-{found.id}.csv", CSV_HEADER, _attendance_rows([found]))


@bp.get("/attendance.csv")
@role_required(Role.TRAINER)
def cohort_csv() -> Response:
    cohort = _cohort()
    groups = service.groups_in(cohort.id)
    return csv_response(f"attendance-{cohort.context_id}.csv", CSV_HEADER, _attendance_rows(groups))


@bp.post("/roster/sync")
@role_required(Role.TRAINER)
def sync() -> Response:
    """Refresh the cohort's roster from the LMS."""
    cohort = _cohort()
    if not FlaskForm().validate_on_submit():
        abort(400, "The form expired: reload the page and try again.")
    if not cohort.nrps_url:
        flash(
            "This course's LMS has not offered its roster to IMR Academy; people appear as they open it.",
            "error",
        )
    else:
        _refresh_roster(cohort.id)
    return redirect(url_for("consultation.index"))


def _refresh_roster(cohort_id: int) -> None:
    """Refresh now where tasks run in this process, and say how it went; else hand it to a worker.

    The message is short whatever the LMS answered: a flash travels in the session cookie, and
    an LMS's whole error page there makes the browser drop the cookie (the detail is logged).
    """
    if not current_app.config["IMR_SETTINGS"].tasks_in_process:
        dispatch(sync_cohort_roster, cohort_id)
        flash("The roster refresh has started: reload this page in a minute to see it.", "info")
        return
    outcome = own_task(sync_cohort_roster).apply(args=[cohort_id]).get()
    if outcome.succeeded:
        flash(f"Roster refreshed from the LMS: {outcome.line}.", "success")
        return
    flash(
        f"The roster could not be refreshed: {outcome.line}. Try again later; if it keeps "
        "failing, tell your LMS administrator.",
        "error",
    )


@bp.get("/mine")
@role_required(Role.PRACTITIONER)
def mine() -> str:
    """A practitioner's consultation: upcoming sessions, where to join, attendance, what is left."""
    me = identity()
    groups = service.groups_of(me.person_id, me.organisation_id)
    standings = {g.id: service.standing_of(g, me.person_id) for g in groups}
    apologies = service.apologies_of(me.person_id, me.organisation_id)
    feed = service.feed_of(me.organisation_id, person_id=me.person_id)
    marks = service.marks_of(me.person_id, me.organisation_id)
    return render_template(
        "consultation/mine.html",
        groups=groups,
        standings=standings,
        now=utc_now(),
        apologies=apologies,
        marks=marks,
        apology_form=ApologyForm(),
        feed=feed,
        plain=FlaskForm(),
        focuses=_focuses(),
    )


@bp.post("/sessions/<int:session_id>/apology")
@role_required(Role.PRACTITIONER)
def apologise(session_id: int) -> Response:
    not_yours = "You are not a member of that session's group."
    session = load_owned(ConsultationSession, session_id, not_yours)
    me = identity()
    if me.person_id not in {m.person_id for m in session.group.members}:
        abort(404, not_yours)
    form = ApologyForm()
    if not form.validate_on_submit():
        flash("Say briefly why you cannot come.", "error")
        return redirect(url_for("consultation.mine"))
    try:
        service.send_apology(session, me.person_id, form.reason.data or "")
        flash("Your apology was sent to your trainer.", "success")
    except service.ConsultationRefused as refused:
        flash(str(refused), "error")
    return redirect(url_for("consultation.mine"))


@bp.post("/feed")
@role_required(Role.PRACTITIONER)
def reset_feed() -> Response:
    me = identity()
    service.new_feed(me.organisation_id, person_id=me.person_id)
    flash("Your calendar has a new private address; the old one no longer works.", "success")
    return redirect(url_for("consultation.mine"))


@bp.get("/calendar/<token>.ics")
def calendar(token: str) -> Response:
    """A private calendar feed; a wrong or revoked address gets 404 and reveals nothing."""
    sessions = service.feed_sessions(token)
    if sessions is None:
        abort(
            404,
            "This calendar address is not valid any more. Copy the current one from IMR Academy.",
        )
    response = make_response(calendar_bytes("IMR consultation", sessions, _focuses()))
    response.headers["Content-Type"] = "text/calendar; charset=utf-8"
    response.headers["Cache-Control"] = "private, max-age=300"
    return response
