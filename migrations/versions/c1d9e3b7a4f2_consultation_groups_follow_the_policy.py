"""Consultation groups no longer keep their own attendance rate: certification's is the policy's

A group's rate said what certification needed on the group's pages while eligibility used the
organisation's certification policy, so the two could disagree (a group at 60% told a
practitioner they were done when certification still asked for 75%). The group pages now read
the policy's rate and minimum; the column goes. A downgrade brings it back at the default 75.

Revision ID: c1d9e3b7a4f2
Revises: b8d4f02e6a31
Create Date: 2026-12-04 02:10:00.000000

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = 'c1d9e3b7a4f2'
down_revision = "b8d4f02e6a31"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("consultation_group") as batch_op:
        batch_op.drop_column("required_rate")


def downgrade():
    with op.batch_alter_table("consultation_group") as batch_op:
        batch_op.add_column(
            sa.Column("required_rate", sa.Integer(), nullable=False, server_default="75")
        )
