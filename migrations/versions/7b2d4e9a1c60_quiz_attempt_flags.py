"""questions a practitioner flagged in an attempt, kept with the draft answers

Revision ID: 7b2d4e9a1c60
Revises: c4f1e2a7d9b3
Create Date: 2026-12-02 06:45:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '7b2d4e9a1c60'
down_revision = 'c4f1e2a7d9b3'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('quiz_attempt', schema=None) as batch_op:
        batch_op.add_column(sa.Column('flagged', sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table('quiz_attempt', schema=None) as batch_op:
        batch_op.drop_column('flagged')
