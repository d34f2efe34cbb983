"""people: how many times each has signed out, so that signing out ends every copy of a session

A session lives in a signed cookie, and clearing the browser's copy left any other copy (a
synced browser profile, a shared machine's saved profile, a proxy's log) working until it
timed out. A session now carries the count it began with and is over once the person's count
has moved past it. Existing rows start at 0, as do the sessions already open.

Revision ID: e8b3f1a6c2d4
Revises: d5a8c2e7f913
Create Date: 2026-12-04 19:10:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "e8b3f1a6c2d4"
down_revision = "d5a8c2e7f913"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("person") as batch_op:
        batch_op.add_column(sa.Column("sign_outs", sa.Integer(), server_default="0", nullable=False))


def downgrade():
    with op.batch_alter_table("person") as batch_op:
        batch_op.drop_column("sign_outs")
