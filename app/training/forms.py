"""Forms for practice activities, consent, cohort settings and deep linking."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, RadioField, SelectMultipleField, TextAreaField
from wtforms.validators import InputRequired, Length
from wtforms.widgets import CheckboxInput, ListWidget

from app.forms import options
from app.services.training import REFLECTION_LIMIT

LIMIT = Length(max=REFLECTION_LIMIT, message=f"Keep it under {REFLECTION_LIMIT} characters.")


class ReflectionForm(FlaskForm):
    text = TextAreaField("Your reflection", validators=[LIMIT])


class RolePlayForm(FlaskForm):
    practised = BooleanField("I practised this role-play")
    text = TextAreaField("What I learned (optional)", validators=[LIMIT])


class WorkedExampleForm(FlaskForm):
    """Marking a worked example as read needs no fields."""


class ChecklistForm(FlaskForm):
    checked = SelectMultipleField(
        "Items",
        coerce=int,
        choices=[],
        validate_choice=False,
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
    )


class ConsentForm(FlaskForm):
    shares = RadioField(
        "May your trainers read your reflections?",
        choices=options(
            [
                ("yes", "Yes, my trainers may read my reflections"),
                ("no", "No, keep my reflections private"),
            ]
        ),
        validators=[InputRequired("Choose one of the two answers.")],
    )


class CohortSettingsForm(FlaskForm):
    unlock = RadioField(
        "How the days open",
        choices=options(
            [
                ("in-order", "One after another: a day opens when the previous day is complete"),
                ("all-open", "All at once: practitioners may work on any day"),
            ]
        ),
        validators=[InputRequired("Choose how the days open.")],
    )


class DeepLinkForm(FlaskForm):
    item = RadioField(
        "What to add to your course", choices=[], validators=[InputRequired("Choose what to add.")]
    )
