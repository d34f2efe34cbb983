"""Every model, imported here so Alembic and the app see the whole schema."""

from app.models.lti import Platform, StoreEntry, ToolKey
from app.models.people import Director, Enrolment, Person
from app.models.tenancy import Cohort, Organisation, Program

__all__ = [
    "Cohort",
    "Director",
    "Enrolment",
    "Organisation",
    "Person",
    "Platform",
    "Program",
    "StoreEntry",
    "ToolKey",
]
