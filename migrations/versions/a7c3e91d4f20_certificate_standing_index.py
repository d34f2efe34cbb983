"""certificates: an index holding what the director's dashboard reads of each one

The dashboard weighs every practitioner's newest certificate by its state and expiry. A
certificate's row also carries its sealed PDF; on SQLite the columns stored after it can only be
read by walking the PDF's overflow pages, which cost the dashboard most of its time. This index
holds those columns, so the dashboard and its monthly chart never read the table's rows.

Revision ID: a7c3e91d4f20
Revises: 7b2d4e9a1c60
Create Date: 2026-12-02 07:00:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'a7c3e91d4f20'
down_revision = '7b2d4e9a1c60'
branch_labels = None
depends_on = None

COLUMNS = ['organisation_id', 'person_id', 'id', 'state', 'expires_on', 'issued_on', 'code']


def upgrade():
    op.create_index('ix_certificate_standing', 'certificate', COLUMNS)


def downgrade():
    op.drop_index('ix_certificate_standing', table_name='certificate')
