"""The trainer's form for granting an extra attempt."""

from flask_wtf import FlaskForm
from wtforms import SelectField, TextAreaField
from wtforms.validators import DataRequired, Length


class ExtraAttemptForm(FlaskForm):
    quiz = SelectField("Quiz", choices=[])
    reason = TextAreaField(
        "Reason",
        validators=[
            DataRequired("Give the reason for the extra attempt; it is kept with the grant."),
            Length(max=500, message="Keep the reason under 500 characters."),
        ],
    )
