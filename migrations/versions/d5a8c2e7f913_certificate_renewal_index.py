"""certificates: an index on the certificate each one renews

A renewed certificate is retired by its renewal: whether one follows it now decides what its
public page, its badge and the revocation list say, so the renewal is looked up wherever a
certificate's standing is shown (a roster check does so for every code). Without an index each
lookup read the whole table, and on SQLite that means walking every sealed PDF's overflow
pages. Nothing is rewritten: a renewed certificate keeps its row, state and sealed PDF as they
were, and its standing is derived from the renewal that exists.

Revision ID: d5a8c2e7f913
Revises: c1d9e3b7a4f2
Create Date: 2026-12-05 09:00:00.000000

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "d5a8c2e7f913"
down_revision = "c1d9e3b7a4f2"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("certificate") as batch_op:
        batch_op.create_index(batch_op.f("ix_certificate_renews_id"), ["renews_id"], unique=False)


def downgrade():
    with op.batch_alter_table("certificate") as batch_op:
        batch_op.drop_index(batch_op.f("ix_certificate_renews_id"))
