"""An organisation's logo for its public verification pages

Revision ID: a7c3e91d5f20
Revises: a7c3e91d4f20
Create Date: 2026-12-02 06:45:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a7c3e91d5f20'
down_revision = "a7c3e91d4f20"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('organisation_logo',
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('png', sa.LargeBinary(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('width', sa.Integer(), nullable=False),
    sa.Column('height', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_organisation_logo_organisation_id_organisation'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('organisation_id', name=op.f('pk_organisation_logo'))
    )


def downgrade():
    op.drop_table('organisation_logo')
