"""Training pages: practitioners work through modules; trainers follow the cohort and place content."""

from __future__ import annotations

from flask import (
    abort,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from werkzeug.wrappers import Response

from app.auth import identity, role_required
from app.content.model import ActivityType, Module
from app.domain.paging import PageRequest
from app.domain.roles import Role
from app.domain.training import TrainingProgress
from app.errors import NotOpenYet
from app.exports import csv_response
from app.extensions import content, db
from app.forms import options
from app.lti.tool import deep_linking_response, is_deep_linking
from app.models.people import Person
from app.models.tenancy import Cohort
from app.services import certificates
from app.services.people import practitioner_in_cohort
from app.services.training import (
    GRID_SORTS,
    ResponseRefused,
    cohort_progress,
    cohort_progress_page,
    consent_of,
    progress_of,
    record_consent,
    responses_of,
    save_response,
    set_day_unlocking,
)
from app.training import bp
from app.training.forms import (
    ChecklistForm,
    CohortSettingsForm,
    ConsentForm,
    DeepLinkForm,
    ReflectionForm,
    RolePlayForm,
    WorkedExampleForm,
)
from app.urls import public_url

EVERYONE = (Role.PRACTITIONER, Role.TRAINER, Role.DIRECTOR)
ActivityForm = ReflectionForm | RolePlayForm | WorkedExampleForm | ChecklistForm
FORMS: dict[ActivityType, type[ActivityForm]] = {
    ActivityType.REFLECTION: ReflectionForm,
    ActivityType.ROLE_PLAY: RolePlayForm,
    ActivityType.WORKED_EXAMPLE: WorkedExampleForm,
    ActivityType.CHECKLIST: ChecklistForm,
}


def _cohort() -> Cohort:
    cohort_id = identity().cohort_id
    if cohort_id is None:
        abort(400, "Open IMR Academy from inside a course to see the training.")
    return db.session.get_one(Cohort, cohort_id)


def _my_progress() -> TrainingProgress | None:
    """The practitioner's own progress; trainers and directors preview without one."""
    if identity().role is not Role.PRACTITIONER:
        return None
    return progress_of(content().catalog, identity().person_id, _cohort())


def _module_or_404(module_id: str) -> Module:
    module = content().catalog.module(module_id)
    if module is None:
        abort(404, "This module is not part of the training (it may have been renamed or removed).")
    return module


def _check_day_open(progress: TrainingProgress | None, day: int) -> None:
    reason = progress and progress.opens_when(day)
    if reason:
        raise NotOpenYet(f"Day {day} is not open yet", reason)


@bp.get("/")
@role_required(*EVERYONE)
def overview() -> str:
    """The five days with their progress (a preview of the outline for trainers and directors)."""
    return render_template(
        "training/overview.html", catalog=content().catalog, progress=_my_progress()
    )


@bp.get("/day/<int:number>")
@role_required(*EVERYONE)
def day(number: int) -> str:
    """One day's modules and their status."""
    found = content().catalog.day(number)
    if found is None:
        abort(404, f"The training has no day {number}.")
    progress = _my_progress()
    _check_day_open(progress, number)
    return render_template("training/day.html", day=found, progress=progress)


def _activity_forms(module: Module, responses: dict) -> dict[str, ActivityForm]:
    forms: dict[str, ActivityForm] = {}
    for activity in module.activities:
        saved = responses.get((module.id, activity.id))
        form = FORMS[activity.type](prefix=activity.id)
        if (
            isinstance(form, ReflectionForm | RolePlayForm)
            and saved is not None
            and not form.is_submitted()
        ):
            form.text.data = saved.text
            if isinstance(form, RolePlayForm):
                form.practised.data = saved.done
        if isinstance(form, ChecklistForm):
            form.checked.choices = options(enumerate(activity.items))
            if saved is not None and saved.checked_items is not None:
                form.checked.data = saved.checked_items
        forms[activity.id] = form
    return forms


@bp.get("/module/<module_id>")
@role_required(*EVERYONE)
def module(module_id: str) -> Response | str:
    """A module: objectives, the lesson, and its practice activities."""
    found = _module_or_404(module_id)
    progress = _my_progress()
    _check_day_open(progress, found.day)
    me = identity()
    if progress is not None and consent_of(me.person_id, me.organisation_id) is None:
        return redirect(url_for("training.consent", next=module_id))
    responses = responses_of(me.person_id, me.organisation_id, found.id) if progress else {}
    return _render_module(found, progress, responses, _activity_forms(found, responses))


def _render_module(
    found: Module,
    progress: TrainingProgress | None,
    responses: dict,
    forms: dict,
    status: int = 200,
) -> Response:
    ordered = content().catalog.ordered_modules
    index = ordered.index(found)
    page = render_template(
        "training/module.html",
        module=found,
        progress=progress,
        responses=responses,
        forms=forms,
        materials=content().toolkit.for_module(found.id),
        previous=ordered[index - 1] if index else None,
        following=ordered[index + 1] if index + 1 < len(ordered) else None,
    )
    return make_response(page, status)


@bp.post("/module/<module_id>/activity/<activity_id>")
@role_required(Role.PRACTITIONER)
def save_activity(module_id: str, activity_id: str) -> Response:
    """Save a practitioner's work on one activity."""
    found = _module_or_404(module_id)
    activity = found.activity(activity_id)
    if activity is None:
        abort(404, "That activity is not part of this module any more: reload the page.")
    progress = _my_progress()
    _check_day_open(progress, found.day)
    me = identity()
    responses = responses_of(me.person_id, me.organisation_id, found.id)
    forms = _activity_forms(found, responses)
    form = forms[activity.id]
    if form.validate_on_submit():
        try:
            complete = save_response(
                me.person_id,
                me.organisation_id,
                found,
                activity,
                text=form.text.data if isinstance(form, ReflectionForm | RolePlayForm) else None,
                practised=isinstance(form, RolePlayForm) and bool(form.practised.data),
                checked=form.checked.data if isinstance(form, ChecklistForm) else None,
            )
        except ResponseRefused as refused:
            form.form_errors.append(str(refused))
        else:
            if complete:
                certificates.issue_when_eligible(
                    me.person_id, _cohort(), f"the module {found.title} was completed"
                )
            flash("Module complete. Well done." if complete else "Saved.", "success")
            return redirect(
                url_for("training.module", module_id=found.id, _anchor=f"activity-{activity.id}")
            )
    return _render_module(found, progress, responses, forms, status=400)


@bp.route("/consent", methods=["GET", "POST"])
@role_required(Role.PRACTITIONER)
def consent() -> Response | str:
    """Ask once whether trainers may read the practitioner's reflections; changeable later."""
    me = identity()
    current = consent_of(me.person_id, me.organisation_id)
    form = ConsentForm(
        shares=None if current is None else ("yes" if current.shares_with_trainers else "no")
    )
    next_module = request.args.get("next", "")
    if form.validate_on_submit():
        record_consent(me.person_id, me.organisation_id, form.shares.data == "yes")
        flash(
            "Your choice about sharing reflections is saved. You can change it at any time.",
            "success",
        )
        if content().catalog.module(next_module):
            return redirect(url_for("training.module", module_id=next_module))
        return redirect(url_for("training.overview"))
    status = 400 if form.is_submitted() else 200
    return make_response(
        render_template("training/consent.html", form=form, next_module=next_module), status
    )


@bp.get("/cohort")
@role_required(Role.TRAINER)
def cohort() -> str:
    """The cohort's progress as a grid of practitioners by days and modules."""
    found = _cohort()
    settings = CohortSettingsForm(unlock="in-order" if found.days_unlock_in_order else "all-open")
    asked = PageRequest.from_args(request.args, GRID_SORTS, "name")
    page, rows = cohort_progress_page(content().catalog, found, asked)
    return render_template(
        "training/cohort.html",
        cohort=found,
        catalog=content().catalog,
        page=page,
        rows=rows,
        settings_form=settings,
    )


@bp.post("/cohort/settings")
@role_required(Role.TRAINER)
def cohort_settings() -> Response:
    """Choose whether days open in order or all at once for this cohort."""
    form = CohortSettingsForm()
    if form.validate_on_submit():
        set_day_unlocking(_cohort(), form.unlock.data == "in-order")
        flash("Saved how the days open for this cohort.", "success")
    else:
        flash("Choose how the days open.", "error")
    return redirect(url_for("training.cohort"))


@bp.get("/cohort.csv")
@role_required(Role.TRAINER)
def cohort_csv() -> Response:
    """The progress grid as CSV, one row per practitioner."""
    found = _cohort()
    modules = content().catalog.ordered_modules
    header = ["Practitioner", "Email", "Overall %"] + [
        f"Day {d.number} modules complete" for d in content().catalog.days
    ]
    header += [f"{m.id} (day {m.day})" for m in modules]
    rows = [
        [person.display_name, person.email or "", progress.percent]
        + [f"{day.completed}/{day.total}" for day in progress.days]
        + [progress.status_of(m.id).label for m in modules]
        for person, progress in cohort_progress(content().catalog, found)
    ]
    return csv_response(f"training-progress-{found.context_id}.csv", header, rows)


def _practitioner_of_cohort(cohort: Cohort, person_id: int) -> Person:
    person = practitioner_in_cohort(cohort.id, person_id)
    if person is None:
        abort(404, "That practitioner is not in your cohort.")
    return person


@bp.get("/cohort/practitioners/<int:person_id>")
@role_required(Role.TRAINER)
def practitioner(person_id: int) -> str:
    """One practitioner's modules and, if they agreed, their reflections."""
    found = _cohort()
    person = _practitioner_of_cohort(found, person_id)
    consent = consent_of(person.id, found.organisation_id)
    shares = consent is not None and consent.shares_with_trainers
    responses = responses_of(person.id, found.organisation_id) if shares else {}
    return render_template(
        "training/practitioner.html",
        person=person,
        catalog=content().catalog,
        shares=shares,
        progress=progress_of(content().catalog, person.id, found),
        responses=responses,
    )


def _deep_link_choices() -> list[tuple[str, str]]:
    """What a trainer or director may place in the course (only they reach the picker): the
    training, a day, a module, or a toolkit item, a handout's group version and the trainer's
    guide among them (the guide opens only for trainers and directors)."""
    choices = [("training", f"The whole training: {content().catalog.title}")]
    for found in content().catalog.days:
        choices.append((f"day:{found.number}", f"Day {found.number}: {found.title}"))
        choices += [(f"module:{m.id}", f"Day {found.number} · {m.title}") for m in found.modules]
    for item in content().toolkit.items:
        if item.kind.trainers_only:
            label = f"Trainer's guide (trainers and directors only): {item.title}"
        else:
            label = f"Toolkit · {item.kind.label}: {item.title}"
        choices.append((f"toolkit:{item.id}", label))
        if item.has_group_version:
            choices.append(
                (
                    f"toolkit:{item.id}@group",
                    f"Toolkit · {item.kind.label}, group version: {item.title}",
                )
            )
    return choices


def _title_of(item: str) -> str:
    """The link's title in the course; the training's own title if the choice has since gone."""
    kind, _, key = item.partition(":")
    catalog = content().catalog
    if kind == "day":
        day = catalog.day(int(key))
        return f"IMR training, day {key}: {day.title}" if day else catalog.title
    if kind == "module":
        module = catalog.module(key)
        return module.title if module else catalog.title
    if kind == "toolkit":
        item_id, _, version = key.partition("@")
        found = content().toolkit.item(item_id)
        if found is None:
            return catalog.title
        return f"{found.title} (group version)" if version == "group" else found.title
    return catalog.title


@bp.route("/deep-link", methods=["GET", "POST"])
@role_required(Role.TRAINER, Role.DIRECTOR)
def deep_link() -> Response | str:
    """Pick what to add to the LMS course, and return it to the LMS as a signed link."""
    if not is_deep_linking(identity().launch_id):
        abort(
            400,
            "Adding IMR Academy content starts in your LMS: use its “add external tool” or content picker.",
        )
    form = DeepLinkForm()
    form.item.choices = options(_deep_link_choices())
    if form.validate_on_submit():
        reply = deep_linking_response(
            identity().launch_id,
            _title_of(form.item.data),
            public_url("lti.launch"),
            {"imr_item": form.item.data},
        )
        return make_response(
            render_template(
                "autopost.html",
                heading="Adding it to your course",
                action=reply.return_url,
                fields={"JWT": reply.jwt},
            )
        )
    return render_template("training/deep_link.html", form=form)
