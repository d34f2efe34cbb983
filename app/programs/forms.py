"""Forms for naming programs and assigning cohorts."""

from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.validators import DataRequired, Length

from app.forms import OneLine


class ProgramForm(FlaskForm):
    """A program's name."""

    name = StringField(
        "Program name",
        validators=[
            DataRequired("Enter the program's name."),
            Length(max=120, message="Use at most 120 characters."),
            OneLine("The program's name"),
        ],
    )


class AssignCohortForm(FlaskForm):
    """Which program a cohort belongs to ("" for none)."""

    program = SelectField("Program", choices=[], validate_choice=True)
