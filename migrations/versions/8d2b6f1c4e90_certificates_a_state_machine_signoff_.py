"""Certificates as a state machine, re-certification, sign-off formats and the sign-off policy

Revision ID: 8d2b6f1c4e90
Revises: 5c1e7a9d3b42
Create Date: 2026-12-02 00:40:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '8d2b6f1c4e90'
down_revision = '5c1e7a9d3b42'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('certificate', schema=None) as batch_op:
        batch_op.add_column(sa.Column('state', sa.String(length=20), server_default='issued', nullable=False))
        batch_op.add_column(sa.Column('replaced_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('recertifies_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_certificate_recertifies_id_certificate'), 'certificate', ['recertifies_id'], ['id'])
    # Existing certificates keep their standing: the flags and dates they had become their state.
    op.execute("UPDATE certificate SET state = 'awaiting-approval' WHERE awaiting_approval")
    op.execute("UPDATE certificate SET state = 'suspended' WHERE suspended_at IS NOT NULL")
    op.execute("UPDATE certificate SET state = 'revoked' WHERE revoked_at IS NOT NULL")
    op.execute("UPDATE certificate SET state = 'replaced' WHERE replaced_by_id IS NOT NULL")
    op.execute(
        "UPDATE certificate SET replaced_at = (SELECT successor.created_at FROM certificate AS successor "
        "WHERE successor.id = certificate.replaced_by_id) WHERE replaced_by_id IS NOT NULL"
    )
    with op.batch_alter_table('certificate', schema=None) as batch_op:
        batch_op.drop_column('awaiting_approval')

    with op.batch_alter_table('competency_signoff', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_format', sa.String(length=20), server_default='individual', nullable=False))
        batch_op.add_column(sa.Column('below_minimum', sa.JSON(), nullable=True))

    with op.batch_alter_table('certification_policy', schema=None) as batch_op:
        batch_op.add_column(sa.Column('signoffs_needed', sa.Integer(), server_default='2', nullable=False))
        batch_op.add_column(sa.Column('real_session_needed', sa.Boolean(), server_default=sa.true(), nullable=False))
        batch_op.add_column(sa.Column('signoff_rule', sa.String(length=20), server_default='latest', nullable=False))
    # Organisations that had set their requirements keep the one sign-off they asked for.
    op.execute("UPDATE certification_policy SET signoffs_needed = 1, real_session_needed = false")


def downgrade():
    with op.batch_alter_table('certification_policy', schema=None) as batch_op:
        batch_op.drop_column('signoff_rule')
        batch_op.drop_column('real_session_needed')
        batch_op.drop_column('signoffs_needed')

    with op.batch_alter_table('competency_signoff', schema=None) as batch_op:
        batch_op.drop_column('below_minimum')
        batch_op.drop_column('session_format')

    with op.batch_alter_table('certificate', schema=None) as batch_op:
        batch_op.add_column(sa.Column('awaiting_approval', sa.Boolean(), server_default=sa.false(), nullable=False))
    op.execute("UPDATE certificate SET awaiting_approval = (state = 'awaiting-approval')")
    with op.batch_alter_table('certificate', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_certificate_recertifies_id_certificate'), type_='foreignkey')
        batch_op.drop_column('recertifies_id')
        batch_op.drop_column('replaced_at')
        batch_op.drop_column('state')
