"""Migrating a database that holds people's work keeps every row of it.

On SQLite a column change rebuilds the table, and with foreign keys on, dropping the old copy
once deleted every consultation session, member and attendance mark of the groups (ON DELETE
CASCADE). This runs the newest table-rebuilding migration down and up again over real data.
"""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask import Flask
from flask_migrate import downgrade, upgrade
from sqlalchemy import func, select

from app.domain.consultation import Mark
from app.extensions import db
from app.models.consultation import AttendanceMark, ConsultationSession, GroupMember
from tests.support.journey import attend_consultation
from tests.support.lms import PRACTITIONER, TRAINER, LocalLms

BEFORE_THE_GROUP_RATE_WENT = "b8d4f02e6a31"


def _counts() -> dict[str, int]:
    tables = {"sessions": ConsultationSession, "members": GroupMember, "marks": AttendanceMark}
    return {
        name: db.session.scalar(select(func.count()).select_from(model))
        for name, model in tables.items()
    }


def test_rebuilding_the_consultation_group_table_keeps_its_sessions_members_and_marks(
    app: Flask, client, lms: LocalLms
):
    lms.launch(client, PRACTITIONER)
    lms.launch(app.test_client(), TRAINER)
    attend_consultation(app, PRACTITIONER.sub, TRAINER.sub, sessions=4)
    with app.app_context():
        before = _counts()
        assert before == {"sessions": 4, "members": 1, "marks": 4}
        db.session.remove()
        downgrade(revision=BEFORE_THE_GROUP_RATE_WENT)
        upgrade()
        assert _counts() == before
        marks = db.session.scalars(select(AttendanceMark.mark)).all()
        assert set(marks) == {Mark.PRESENT}


BOOLEANS = {"true": "1", "false": "0"}


def _bare(default: str | None) -> str | None:
    """A default as text, as each database reflects it but the same for all: no quotes,
    brackets or PostgreSQL's cast (''::character varying), and a boolean as 1 or 0."""
    if default is None:
        return None
    value = default.split("::", 1)[0].strip("()'\"")
    return BOOLEANS.get(value, value)


def _defaults_differ(context, inspected, metadata_column, inspected_default, _, rendered) -> bool:
    """Defaults compared as text: alembic's own comparison runs SQL that PostgreSQL refuses
    for JSON columns, and reads SQLite's '' and the model's '' as different."""
    return _bare(inspected_default) != _bare(rendered)


def test_the_migrations_build_the_schema_the_models_describe(app: Flask):
    """Columns, types, indexes and defaults alike: a default only the database has (the
    certificate's 'issued' state) let a row written outside the app skip its named moves."""
    with app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(
            connection,
            opts={"compare_type": True, "compare_server_default": _defaults_differ},
        )
        assert compare_metadata(context, db.metadata) == []
