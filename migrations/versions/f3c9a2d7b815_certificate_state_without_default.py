"""certificates: no default state in the database, as in the model

A certificate's state is reached only through its named moves (`Certificate.apply`); the
column kept the server default 'issued' that its migration gave it to fill existing rows, so a
row written outside the app was issued without ever being sealed. The model has no such
default, and the two now describe the same table (tests/integration/test_migrations.py).

Revision ID: f3c9a2d7b815
Revises: e8b3f1a6c2d4
Create Date: 2026-12-04 19:45:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "f3c9a2d7b815"
down_revision = "e8b3f1a6c2d4"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("certificate") as batch_op:
        batch_op.alter_column("state", existing_type=sa.String(length=20), server_default=None)


def downgrade():
    with op.batch_alter_table("certificate") as batch_op:
        batch_op.alter_column("state", existing_type=sa.String(length=20), server_default="issued")
