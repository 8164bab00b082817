"""substance-use screening at referral (AUDIT-C, DAST-10) and the patient's sex for AUDIT-C

Revision ID: 9a4b6e2c1d73
Revises: 7d3f1c8a2e60
Create Date: 2026-12-03 14:10:00.000000
"""
import sqlalchemy as sa
from alembic import op


revision = '9a4b6e2c1d73'
down_revision = '7d3f1c8a2e60'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('patients', sa.Column('sex', sa.String(length=16), nullable=True))
    op.add_column('referrals', sa.Column('audit_c_answers', sa.JSON(), nullable=True))
    op.add_column('referrals', sa.Column('dast10_answers', sa.JSON(), nullable=True))
    op.add_column('referrals', sa.Column('audit_c_total', sa.Integer(), nullable=True))
    op.add_column('referrals', sa.Column('audit_c_positive', sa.Boolean(), nullable=True))
    op.add_column('referrals', sa.Column('dast10_total', sa.Integer(), nullable=True))


def downgrade() -> None:
    for column in ('dast10_total', 'audit_c_positive', 'audit_c_total', 'dast10_answers',
                   'audit_c_answers'):
        op.drop_column('referrals', column)
    op.drop_column('patients', 'sex')
