"""The director's page for programs and cohorts."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from werkzeug.wrappers import Response

from app.auth import identity, load_owned, role_required
from app.domain.roles import Role
from app.forms import options
from app.models.tenancy import Cohort, Program
from app.programs import bp
from app.programs.forms import AssignCohortForm, ProgramForm
from app.services.people import organisation_overview
from app.services.programs import ProgramNameTaken, assign_cohort, create_program, rename_program


def _assign_form(choices: list[tuple[str, str]], cohort: Cohort | None = None) -> AssignCohortForm:
    form = AssignCohortForm(program=str(cohort.program_id or "") if cohort else None)
    form.program.choices = options(choices)
    return form


def _page(new_program: ProgramForm | None = None, status: int = 200) -> tuple[str, int]:
    overview = organisation_overview(identity().organisation_id)
    choices = [("", "No program")] + [(str(p.id), p.name) for p, _ in overview.programs]
    cohorts = [s.cohort for _, group in overview.programs for s in group] + [
        s.cohort for s in overview.unassigned
    ]
    page = render_template(
        "programs/index.html",
        overview=overview,
        new_program=new_program or ProgramForm(),
        rename_forms={p.id: ProgramForm(name=p.name) for p, _ in overview.programs},
        assign_forms={
            c.id: _assign_form(choices, c) for c in sorted(cohorts, key=lambda c: c.title)
        },
        cohorts=sorted(cohorts, key=lambda c: c.title),
    )
    return page, status


@bp.get("/programs")
@role_required(Role.DIRECTOR)
def index() -> tuple[str, int]:
    """Programs with their cohorts, and a form to assign each cohort."""
    return _page()


@bp.post("/programs")
@role_required(Role.DIRECTOR)
def create() -> Response | tuple[str, int]:
    """Add a program."""
    form = ProgramForm()
    if form.validate_on_submit():
        try:
            program = create_program(identity().organisation_id, form.name.data or "")
        except ProgramNameTaken as error:
            form.name.errors = [*form.name.errors, str(error)]
        else:
            flash(f"Added the {program.name} program.", "success")
            return redirect(url_for("programs.index"))
    return _page(new_program=form, status=400)


@bp.post("/programs/<int:program_id>/rename")
@role_required(Role.DIRECTOR)
def rename(program_id: int) -> Response:
    """Rename a program of the director's organisation."""
    program = load_owned(Program, program_id)
    form = ProgramForm()
    if not form.validate_on_submit():
        flash("Enter a program name of at most 120 characters.", "error")
    else:
        try:
            rename_program(program, form.name.data or "")
            flash(f"Renamed the program to {program.name}.", "success")
        except ProgramNameTaken as error:
            flash(str(error), "error")
    return redirect(url_for("programs.index"))


@bp.post("/cohorts/<int:cohort_id>/program")
@role_required(Role.DIRECTOR)
def assign(cohort_id: int) -> Response:
    """Move a cohort into a program (or out of every program)."""
    cohort = load_owned(Cohort, cohort_id)
    overview_programs = organisation_overview(identity().organisation_id).programs
    form = _assign_form([("", "No program")] + [(str(p.id), p.name) for p, _ in overview_programs])
    if not form.validate_on_submit():
        flash("Choose one of your organisation's programs.", "error")
        return redirect(url_for("programs.index"))
    program = load_owned(Program, int(form.program.data)) if form.program.data else None
    assign_cohort(cohort, program)
    flash(
        f"{cohort.display_name} is now in {program.name if program else 'no program'}.", "success"
    )
    return redirect(url_for("programs.index"))
