"""A session's attendance is taken or not: held sessions nobody marked are no longer missed

Revision ID: 9e3c7a1f5b21
Revises: 8d2b6f1c4e90
Create Date: 2026-12-02 01:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '9e3c7a1f5b21'
down_revision = '8d2b6f1c4e90'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('consultation_session', schema=None) as batch_op:
        batch_op.add_column(sa.Column('attendance_taken_at', sa.DateTime(timezone=True), nullable=True))
    # A session with any mark had its attendance taken: it keeps counting exactly as before.
    op.execute(
        "UPDATE consultation_session SET attendance_taken_at = (SELECT MIN(mark.recorded_at) "
        "FROM attendance_mark AS mark WHERE mark.session_id = consultation_session.id) "
        "WHERE EXISTS (SELECT 1 FROM attendance_mark AS mark "
        "WHERE mark.session_id = consultation_session.id)"
    )


def downgrade():
    with op.batch_alter_table('consultation_session', schema=None) as batch_op:
        batch_op.drop_column('attendance_taken_at')
