"""Forms for scheduling consultation, changing sessions, members, attendance and apologies."""

from __future__ import annotations

from datetime import date
from typing import Any
from zoneinfo import available_timezones

from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)
from wtforms.widgets import CheckboxInput, ListWidget

from app.domain.consultation import SCHEDULING_WINDOW, ScheduleError
from app.forms import OneLine, options
from app.models.base import utc_now

WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


# Every IANA zone name, offered to the time zone picker's searchable list (region/city order).
ZONES = tuple(sorted(z for z in available_timezones() if "/" in z and not z.startswith("Etc/")))
ZONE_LIST = "timezone-options"


def _known_zone(form: FlaskForm, field: StringField) -> None:
    if field.data not in available_timezones():
        raise ValidationError(
            f"“{field.data}” is not a time zone we know: choose one from the list as you type,"
            " such as Europe/London or America/New_York."
        )


def _within_window(field: DateField, saved: date | None = None) -> None:
    """The scheduling window as the field's own error, so the trainer sees it where they typed."""
    if field.data is None:  # missing or unreadable: the field's other checks say so
        return
    try:
        SCHEDULING_WINDOW.check(field.data, utc_now().date(), saved)
    except ScheduleError as error:
        raise ValidationError(str(error)) from None


class GroupForm(FlaskForm):
    """A weekly series: when and where it meets, in which time zone, and how long it runs."""

    zone_names = ZONES  # the picker's searchable list
    zone_list_id = ZONE_LIST
    name = StringField(
        "Group name",
        validators=[DataRequired("Name the group."), Length(max=120), OneLine("The group's name")],
    )
    weekday = SelectField("Day of the week", choices=options(enumerate(WEEKDAYS)), coerce=int)
    local_time = TimeField(
        "Starts at (local time)", validators=[InputRequired("Give the start time.")]
    )
    timezone = StringField(
        "Time zone",
        default="Europe/London",
        description="Type a city or region and pick it from the list, such as Europe/London.",
        validators=[DataRequired("Choose the group's time zone."), _known_zone],
        render_kw={"list": ZONE_LIST, "autocomplete": "off", "spellcheck": "false"},
    )
    duration_minutes = IntegerField(
        "Length in minutes",
        default=60,
        validators=[
            InputRequired("Give the length in minutes."),
            NumberRange(15, 240, "Between 15 and 240 minutes."),
        ],
        render_kw={"min": 15, "max": 240, "step": 5, "inputmode": "numeric"},
    )
    location = StringField(
        "Where (a room, or a video link)",
        validators=[
            DataRequired("Say where the group meets."),
            Length(max=500),
            OneLine("Where the group meets"),
        ],
    )
    first_date = DateField(
        "First week starting", validators=[InputRequired("Give the date of the first week.")]
    )
    ends = RadioField(
        "How long the series runs",
        choices=options([("weeks", "For a number of sessions"), ("date", "Until a last date")]),
        default="weeks",
        validators=[InputRequired("Choose how long the series runs.")],
    )
    weeks = IntegerField(
        "Number of sessions (one a week)",
        default=26,
        validators=[Optional(), NumberRange(1, 104, "From 1 to 104 sessions.")],
        render_kw={"min": 1, "max": 104, "inputmode": "numeric"},
    )
    end_date = DateField(
        "Last date",
        description="The last week with a session; no session is planned after it.",
        validators=[Optional()],
    )
    excused_allowed = IntegerField(
        "Excused absences forgiven",
        description=(
            "Forgiven absences leave the period's count. How much attendance certification "
            "needs is the organisation's certification policy, which its director sets."
        ),
        default=2,
        validators=[
            InputRequired("Give how many excused absences are forgiven."),
            NumberRange(0, 20, "From 0 to 20."),
        ],
        render_kw={"min": 0, "max": 20, "inputmode": "numeric"},
    )

    # The series' own first and last dates when it is being changed: they stay allowed.
    saved_dates: tuple[date | None, date | None] = (None, None)

    def editing(self, first_date: date, end_date: date | None) -> GroupForm:
        """This form changes a series with these dates, which stay allowed even once old."""
        self.saved_dates = (first_date, end_date)
        return self

    def validate_first_date(self, field: DateField) -> None:
        _within_window(field, self.saved_dates[0])

    def validate_end_date(self, field: DateField) -> None:
        """Only a last date that is used is checked (a number of sessions ignores it)."""
        if self.ends.data == "date":
            _within_window(field, self.saved_dates[1])

    def validate(self, extra_validators: dict | None = None) -> bool:
        """The chosen ending needs its value (Optional() would skip an inline check on an empty field)."""
        valid = super().validate(extra_validators)
        if self.ends.data == "weeks" and not self.weeks.data and not self.weeks.errors:
            self.weeks.errors = [
                *self.weeks.errors,
                "Give the number of sessions, or choose “Until a last date” and give the date.",
            ]
            valid = False
        if self.ends.data == "date" and not self.end_date.data and not self.end_date.errors:
            self.end_date.errors = [
                *self.end_date.errors,
                "Give the last date, or choose “For a number of sessions” and give the number.",
            ]
            valid = False
        return valid

    def rule_fields(self) -> dict[str, Any]:
        by_weeks = self.ends.data == "weeks"
        return {
            "weekday": self.weekday.data,
            "local_time": self.local_time.data,
            "timezone": self.timezone.data,
            "duration_minutes": self.duration_minutes.data,
            "first_date": self.first_date.data,
            "weeks": self.weeks.data if by_weeks else None,
            "end_date": None if by_weeks else self.end_date.data,
        }


class ReasonForm(FlaskForm):
    reason = TextAreaField(
        "Reason", validators=[DataRequired("Give a reason: members see it."), Length(max=500)]
    )


class MoveForm(FlaskForm):
    date = DateField("New date", validators=[InputRequired("Give the new date.")])
    time = TimeField(
        "New start time (the group's local time)", validators=[InputRequired("Give the new time.")]
    )


class MakeupForm(MoveForm):
    # Its own ids: the group page also holds the series form, with a duration_minutes too.
    replaces = SelectField("Makes up for", coerce=int, choices=[], id="makeup-replaces")
    duration_minutes = IntegerField(
        "Length in minutes",
        default=60,
        validators=[InputRequired(), NumberRange(15, 240)],
        id="makeup-duration_minutes",
    )


class MembersForm(FlaskForm):
    members = SelectMultipleField(
        "Members",
        coerce=int,
        choices=[],
        validate_choice=True,
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
    )


class ApologyForm(FlaskForm):
    reason = TextAreaField(
        "Why you cannot come",
        validators=[DataRequired("Say briefly why you cannot come."), Length(max=500)],
    )


class DecisionForm(FlaskForm):
    decision = RadioField(
        "Decision",
        choices=options([("accept", "Accept: excused"), ("decline", "Decline")]),
        validators=[InputRequired("Accept or decline the apology.")],
    )
