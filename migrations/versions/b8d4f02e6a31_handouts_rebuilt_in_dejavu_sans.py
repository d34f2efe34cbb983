"""Handout PDFs cached before the fonts changed are dropped, to be rebuilt in DejaVu Sans

The cache (toolkit_pdf) holds copies set in Bitstream Vera, which printed empty boxes for an
organisation name in Polish, Czech, Greek or Cyrillic letters. Each PDF follows from the content
and the organisation's name, so the next request simply builds it again. Certificates are not
touched: each keeps the exact bytes it was sealed with.

Revision ID: b8d4f02e6a31
Revises: a7c3e91d5f20
Create Date: 2026-12-03 14:40:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'b8d4f02e6a31'
down_revision = "a7c3e91d5f20"
branch_labels = None
depends_on = None


def upgrade():
    op.execute("DELETE FROM toolkit_pdf")


def downgrade():
    op.execute("DELETE FROM toolkit_pdf")
