"""Trust: unverified launches counted, frame origins, update links for one connection

Revision ID: 5c1e7a9d2b40
Revises: 2e285aaf8536
Create Date: 2026-12-01 22:40:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5c1e7a9d2b40'
down_revision = '2e285aaf8536'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('platform', schema=None) as batch_op:
        batch_op.add_column(sa.Column('unverified_launches', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('frame_origins', sa.JSON(), nullable=True))

    with op.batch_alter_table('registration_invitation', schema=None) as batch_op:
        batch_op.add_column(sa.Column('updates_platform_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_registration_invitation_updates_platform_id_platform'), 'platform', ['updates_platform_id'], ['id'], ondelete='CASCADE')


def downgrade():
    with op.batch_alter_table('registration_invitation', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_registration_invitation_updates_platform_id_platform'), type_='foreignkey')
        batch_op.drop_column('updates_platform_id')

    with op.batch_alter_table('platform', schema=None) as batch_op:
        batch_op.drop_column('frame_origins')
        batch_op.drop_column('unverified_launches')
