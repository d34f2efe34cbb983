"""an organisation's time zone, and quizzes that wait for their day

Revision ID: c4f1e2a7d9b3
Revises: 9e3c7a1f5b21
Create Date: 2026-12-02 01:40:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c4f1e2a7d9b3'
down_revision = '9e3c7a1f5b21'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('certification_policy', schema=None) as batch_op:
        batch_op.add_column(sa.Column('timezone', sa.String(length=64), server_default='', nullable=False))
        batch_op.add_column(sa.Column('quizzes_wait_for_day', sa.Boolean(), server_default=sa.true(), nullable=False))


def downgrade():
    with op.batch_alter_table('certification_policy', schema=None) as batch_op:
        batch_op.drop_column('quizzes_wait_for_day')
        batch_op.drop_column('timezone')
