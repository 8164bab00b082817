"""alerts: the note written when acknowledging (what was done)

Revision ID: c7e2a91f0b3d
Revises: 8e1f3b5c7a24
Create Date: 2026-12-04 19:00:00.000000
"""
import sqlalchemy as sa
from alembic import op


revision = 'c7e2a91f0b3d'
down_revision = '8e1f3b5c7a24'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("alerts") as batch:
        batch.add_column(sa.Column("acknowledgement_note", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("alerts") as batch:
        batch.drop_column("acknowledgement_note")
