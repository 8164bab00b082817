"""screening_scores.positive: whether a substance-use screen (AUDIT-C, DAST-10) was positive

Revision ID: 8a4c2e9f5b17
Revises: 7d3f0b6c1e21
Create Date: 2026-12-03 14:30:00
"""
from alembic import op
import sqlalchemy as sa


revision = '8a4c2e9f5b17'
down_revision = '7d3f0b6c1e21'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('screening_scores', schema=None) as batch_op:
        batch_op.add_column(sa.Column('positive', sa.Boolean(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('screening_scores', schema=None) as batch_op:
        batch_op.drop_column('positive')
