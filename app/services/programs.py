"""A director's organisation of cohorts into the provider's IMR programs."""

from __future__ import annotations

from sqlalchemy import select

from app.domain.names import same_name
from app.extensions import db
from app.models.tenancy import Cohort, Program


class ProgramNameTaken(ValueError):
    """Another program of the organisation already has this name."""


def _check_free(organisation_id: int, name: str, except_id: int | None = None) -> None:
    """Refuse a name another program has in any case or composition ("Équipe", "ÉQUIPE").

    Compared in Python: SQLite's lower() folds ASCII letters only, so the database alone let
    "Équipe mobile" and "ÉQUIPE MOBILE" both in. An organisation has a handful of programs.
    """
    query = select(Program.name).where(Program.organisation_id == organisation_id)
    if except_id is not None:
        query = query.where(Program.id != except_id)
    if any(same_name(taken, name) for taken in db.session.scalars(query)):
        raise ProgramNameTaken(f"Your organisation already has a program called “{name}”.")


def create_program(organisation_id: int, name: str) -> Program:
    """Add a program such as "Residential" to the organisation."""
    name = name.strip()
    _check_free(organisation_id, name)
    program = Program(organisation_id=organisation_id, name=name)
    db.session.add(program)
    db.session.flush()
    return program


def rename_program(program: Program, name: str) -> Program:
    """Give a program a new name, still unique within its organisation."""
    name = name.strip()
    _check_free(program.organisation_id, name, except_id=program.id)
    program.name = name
    db.session.flush()
    return program


def assign_cohort(cohort: Cohort, program: Program | None) -> Cohort:
    """Put a cohort into one of its own organisation's programs, or take it out of any."""
    if program is not None and program.organisation_id != cohort.organisation_id:
        raise ValueError("a cohort can only join a program of its own organisation")
    cohort.program_id = program.id if program else None
    db.session.flush()
    return cohort
