"""Trust: unverified launches counted, frame origins, update links for one connection

Revision ID: 5c1e7a9d2b40
Revises: 2e285aaf8536
Create Date: 2026-12-01 22:40:00.000000

"""
import json

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

    _issuer_keys_for_existing_issuers()


def _issuer_keys_for_existing_issuers():
    """Badge keys used to be made by the first GET of a badge; now issuing makes them.

    Organisations that issued certificates before get theirs here, so their badges keep working.
    """
    from datetime import datetime, timezone

    from jwcrypto.jwk import JWK

    connection = op.get_bind()
    missing = connection.execute(sa.text(
        "SELECT DISTINCT c.organisation_id FROM certificate c "
        "LEFT JOIN issuer_key k ON k.organisation_id = c.organisation_id "
        "WHERE c.pdf_sha256 IS NOT NULL AND k.organisation_id IS NULL"
    )).scalars().all()
    for organisation_id in missing:
        jwk = JWK.generate(kty="RSA", size=2048)
        public = json.loads(jwk.export_public()) | {"kid": jwk.thumbprint(), "alg": "RS256", "use": "sig"}
        connection.execute(
            sa.text(
                "INSERT INTO issuer_key (organisation_id, kid, private_key_pem, public_jwk, created_at) "
                "VALUES (:organisation_id, :kid, :pem, :public, :now)"
            ),
            {
                "organisation_id": organisation_id,
                "kid": public["kid"],
                "pem": jwk.export_to_pem(private_key=True, password=None).decode(),
                "public": json.dumps(public),
                "now": datetime.now(timezone.utc),
            },
        )


def downgrade():
    with op.batch_alter_table('registration_invitation', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_registration_invitation_updates_platform_id_platform'), type_='foreignkey')
        batch_op.drop_column('updates_platform_id')

    with op.batch_alter_table('platform', schema=None) as batch_op:
        batch_op.drop_column('frame_origins')
        batch_op.drop_column('unverified_launches')
