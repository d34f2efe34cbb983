"""Forms for competency sign-off, a certificate's life, the requirements, the logo and verification."""

from __future__ import annotations

from zoneinfo import available_timezones

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    AnyOf,
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    ValidationError,
)

from app.domain.certification import OBSERVED_KINDS, SESSION_FORMATS
from app.forms import OneLine, options, whole_number


class SignoffForm(FlaskForm):
    observed_on = DateField(
        "Date of the observed session", validators=[InputRequired("Give the date you observed.")]
    )
    observed = RadioField(
        "What you observed",
        choices=options(OBSERVED_KINDS.items()),
        validators=[InputRequired("Say what you observed.")],
    )
    session_format = HiddenField(
        validators=[AnyOf(SESSION_FORMATS, "Say whether it was an individual or a group session.")]
    )
    summary = TextAreaField(
        "Overall comments (about the practitioner's skills only)", validators=[Length(max=2000)]
    )


class StandingForm(FlaskForm):
    """Suspend, reinstate or revoke: always with a reason, and confirmed after a preview."""

    move = RadioField(
        "Action",
        choices=options(
            [("suspend", "Suspend"), ("reinstate", "Reinstate"), ("revoke", "Revoke for good")]
        ),
        validators=[InputRequired("Choose suspend, reinstate or revoke.")],
    )
    reason = TextAreaField(
        "Reason (shown on the public verification page)",
        validators=[
            DataRequired("Give the reason: it is shown publicly and kept in the audit log."),
            Length(max=500),
        ],
    )
    confirmed = HiddenField()


class ReasonForm(FlaskForm):
    """A correction or a re-certification: the reason is kept in the audit log."""

    reason = TextAreaField(
        "Reason (kept in the audit log)",
        validators=[DataRequired("Give the reason: it is kept in the audit log."), Length(max=500)],
    )


class PdfCheckForm(FlaskForm):
    pdf = FileField(
        "The certificate PDF you were given",
        validators=[FileRequired("Choose the PDF file to check.")],
    )


class PolicyForm(FlaskForm):
    consultation_sessions = IntegerField(
        "Consultation sessions required",
        validators=[InputRequired(), NumberRange(0, 104, "From 0 to 104 sessions.")],
    )
    consultation_rate = IntegerField(
        "Consultation attendance required (% of the period)",
        validators=[InputRequired(), NumberRange(0, 100, "From 0 to 100%%.")],
    )
    require_signoff = BooleanField("Require trainers' competency sign-offs")
    signoffs_needed = IntegerField(
        "Passing sign-offs needed",
        validators=[InputRequired(), NumberRange(1, 6, "From 1 to 6 sign-offs.")],
    )
    real_session_needed = BooleanField(
        "At least one of them must observe a real or recorded session, not only role-plays"
    )
    signoff_rule = RadioField(
        "Which sign-offs count",
        choices=options(
            [
                ("latest", "The latest ones, as many as are needed, must each pass"),
                ("each", "Every sign-off recorded must pass"),
            ]
        ),
    )
    approval = RadioField(
        "Issuing",
        choices=options(
            [
                ("automatic", "Issue automatically when every requirement is met"),
                ("director", "Wait for a director's approval"),
            ]
        ),
    )
    renewal_sessions = IntegerField(
        "Consultation sessions needed to renew",
        validators=[InputRequired(), NumberRange(0, 104, "From 0 to 104 sessions.")],
    )
    reminder_days = StringField(
        "Renewal reminders, in days before expiry (comma-separated)", default="60, 30, 7"
    )
    validity_months = IntegerField(
        "Certificates are valid for (months)",
        validators=[InputRequired(), NumberRange(1, 120, "From 1 to 120 months.")],
    )
    signatory_name = StringField(
        "Signed by (name printed on certificates)",
        validators=[
            DataRequired("Give the signatory's name."),
            Length(max=200),
            OneLine("The signatory's name"),
        ],
    )
    signatory_title = StringField(
        "Signatory's title",
        validators=[
            DataRequired("Give the signatory's title."),
            Length(max=200),
            OneLine("The signatory's title"),
        ],
    )
    timezone = SelectField(
        "Your organisation's time zone (every time in IMR Academy is shown in it)",
        choices=options([("", "UTC"), *((zone, zone) for zone in sorted(available_timezones()))]),
    )
    quizzes_wait_for_day = BooleanField(
        "A day's quiz can be started only once that day of the training is open", default=True
    )

    def _offset_parts(self) -> list[str]:
        """The offsets as typed (or as stored, a list, when the form was filled from the policy)."""
        data = self.reminder_days.data
        text = data if isinstance(data, str) else ", ".join(map(str, data or ()))
        return [part.strip() for part in text.split(",") if part.strip()]

    def validate_reminder_days(self, field: StringField) -> None:
        parts = self._offset_parts()
        numbers = [whole_number(part) for part in parts]
        if not parts or not all(n is not None and 1 <= n <= 365 for n in numbers):
            raise ValidationError("List whole numbers of days from 1 to 365, such as 60, 30, 7.")

    def reminder_offsets(self) -> list[int]:
        return sorted({whole_number(part) or 0 for part in self._offset_parts()}, reverse=True)

    def process(self, formdata=None, obj=None, data=None, **kwargs) -> None:
        """Fill from the saved policy in the form the field accepts: `60, 30, 7`, not a list.

        Flask-WTF hands process a placeholder rather than None on a GET, so whether the form
        was posted is asked directly.
        """
        super().process(formdata, obj, data, **kwargs)
        saved = getattr(obj, "reminder_days", None)
        if not self.is_submitted() and isinstance(saved, list):
            self.reminder_days.data = ", ".join(str(d) for d in saved)


class RosterForm(FlaskForm):
    roster = FileField(
        "CSV of certificate codes (a column whose first row says code)",
        validators=[FileRequired("Choose the CSV file to check.")],
    )


class LogoForm(FlaskForm):
    """The organisation's logo: the file's bytes are checked by the service, not its name."""

    image = FileField(
        "Logo file",
        validators=[FileRequired("Choose a PNG or JPEG file of your logo to upload.")],
    )
