"""referrals: the risk level of the screening's PHQ-9 item 9 (null when it raised none)

Revision ID: 7d3f1c8a2e60
Revises: 5c0e7a2d9b41
Create Date: 2026-12-03 14:00:00.000000
"""
import sqlalchemy as sa
from alembic import op


revision = '7d3f1c8a2e60'
down_revision = '5c0e7a2d9b41'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('referrals', sa.Column('risk_level', sa.String(length=16), nullable=True))


def downgrade() -> None:
    op.drop_column('referrals', 'risk_level')
