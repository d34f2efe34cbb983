"""The role switch form."""

from flask_wtf import FlaskForm
from wtforms import HiddenField
from wtforms.validators import AnyOf, InputRequired

from app.domain.roles import Role


class SwitchRoleForm(FlaskForm):
    """Switch this session to another role the same launch granted."""

    role = HiddenField(validators=[InputRequired(), AnyOf([role.value for role in Role])])
