"""Forms for competency sign-off and for changing a certificate's standing."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import DateField, RadioField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length

from app.forms import options


class SignoffForm(FlaskForm):
    observed_on = DateField(
        "Date of the observed session", validators=[InputRequired("Give the date you observed.")]
    )
    observed = RadioField(
        "What you observed",
        choices=options(
            [("role-play", "A role-played session"), ("recorded session", "A recorded session")]
        ),
        validators=[InputRequired("Say what you observed.")],
    )
    summary = TextAreaField(
        "Overall comments (about the practitioner's skills only)", validators=[Length(max=2000)]
    )


class StandingForm(FlaskForm):
    action = RadioField(
        "Action",
        choices=options([("suspend", "Suspend"), ("revoke", "Revoke"), ("reinstate", "Reinstate")]),
        validators=[InputRequired("Choose suspend, revoke or reinstate.")],
    )
    reason = TextAreaField(
        "Reason (shown on the public verification page)",
        validators=[
            DataRequired("Give the reason: it is shown publicly and kept in the audit log."),
            Length(max=500),
        ],
    )


class PdfCheckForm(FlaskForm):
    pdf = FileField(
        "The certificate PDF you were given",
        validators=[FileRequired("Choose the PDF file to check.")],
    )
