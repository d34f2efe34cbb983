"""The declarative base shared by every model, with stable constraint names for Alembic."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import DateTime, MetaData, String, Text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import DeclarativeBase, InstrumentedAttribute, Mapped, mapped_column, registry
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


# Set only by `replayed_at`: the moment a replayed event happened, or None for the real clock.
_REPLAYED_MOMENT: ContextVar[datetime | None] = ContextVar("imr_replayed_moment", default=None)


def utc_now() -> datetime:
    """The current time, timezone-aware, for column defaults and every service's "now"."""
    return _REPLAYED_MOMENT.get() or datetime.now(UTC)


@contextmanager
def replayed_at(moment: datetime) -> Iterator[None]:
    """Inside the block utc_now() answers `moment`, in this thread or task only.

    The demo seed replays months of a cohort's history through the ordinary services, which
    stamp their rows with utc_now(); so the rows carry the day each thing happened.
    """
    if moment.tzinfo is None:
        raise ValueError("naive datetime: pass a timezone-aware UTC value")
    token = _REPLAYED_MOMENT.set(moment)
    try:
        yield
    finally:
        _REPLAYED_MOMENT.reset(token)


class UTCDateTime(TypeDecorator[datetime]):
    """Stores UTC and always hands back aware datetimes, on SQLite as on PostgreSQL.

    SQLite drops the offset, so without this a value read back could not be compared with
    utc_now(); rejecting naive values on the way in keeps local times out of the database.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: object) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: pass a timezone-aware UTC value")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: object) -> datetime | None:
        if value is None or value.tzinfo is not None:
            return value
        return value.replace(tzinfo=UTC)


class Base(DeclarativeBase):
    """Base class of every model."""

    registry = registry(
        metadata=MetaData(naming_convention=NAMING_CONVENTION),
        type_annotation_map={datetime: UTCDateTime},
    )


@dataclass(frozen=True)
class Owner:
    """Whose a row is: always one organisation; sometimes one of its cohorts, or one person in it.

    Every organisation- or cohort-scoped model answers `owner`, and app.auth.load_owned decides
    from it whether a session may see the row: the one place tenancy is checked.
    """

    organisation_id: int
    cohort_id: int | None = None
    person_id: int | None = None


class OrganisationOwned:
    """A row of one organisation as a whole (a program, a fidelity review): its directors' only."""

    if TYPE_CHECKING:
        organisation_id: int

    @property
    def owner(self) -> Owner:
        return Owner(self.organisation_id)


class PractitionerOwned:
    """A row about one person within one organisation (a certificate, a sign-off, a grant)."""

    if TYPE_CHECKING:
        organisation_id: int
        person_id: int

    @property
    def owner(self) -> Owner:
        return Owner(self.organisation_id, person_id=self.person_id)


class TimestampMixin:
    """When a row was created, for audit and ordering."""

    created_at: Mapped[datetime] = mapped_column(default=utc_now)


def column_problem(value: str, column: InstrumentedAttribute[Any]) -> str | None:
    """Why a text column cannot hold this value, or None: too long for it, or a control
    character (NUL, a line break, a lone surrogate) the database would refuse or a page garble."""
    limit = column.type.length
    if limit is not None and len(value) > limit:
        return f"is {len(value):,} characters; the most is {limit}"
    if not value.isprintable():
        return "holds a control character (a tab, a line break, NUL…)"
    return None


def insert_for(dialect_name: str) -> Any:
    """The INSERT construct with ON CONFLICT support for the database in use."""
    return pg_insert if dialect_name == "postgresql" else sqlite_insert


class LaunchProblemMixin:
    """The last launch that failed, kept so an administrator can see why without server logs."""

    last_problem_reason: Mapped[str | None] = mapped_column(String(40))
    last_problem_detail: Mapped[str | None] = mapped_column(Text)
    last_problem_at: Mapped[datetime | None]
