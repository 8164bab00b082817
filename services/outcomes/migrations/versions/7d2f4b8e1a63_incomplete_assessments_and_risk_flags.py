"""incomplete assessments (complete, nullable total and severity), C-SSRS before enrollment
(referral_id, q6_within_3_months), referrals with a risk level, and the risk flags raised

Revision ID: 7d2f4b8e1a63
Revises: 5c1e7a9d2b40
Create Date: 2026-12-03 14:00:00
"""
from alembic import op
import sqlalchemy as sa

import shared.db


revision = '7d2f4b8e1a63'
down_revision = '5c1e7a9d2b40'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('assessments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('referral_id', sa.String(length=36), nullable=True))
        batch_op.add_column(sa.Column('complete', sa.Boolean(), server_default=sa.true(), nullable=False))
        batch_op.add_column(sa.Column('q6_within_3_months', sa.Boolean(), nullable=True))
        batch_op.alter_column('enrollment_id', existing_type=sa.String(length=36), nullable=True)
        batch_op.alter_column('total_score', existing_type=sa.Integer(), nullable=True)
        batch_op.alter_column('severity', existing_type=sa.String(length=40), nullable=True)
        batch_op.create_index(batch_op.f('ix_assessments_referral_id'), ['referral_id'], unique=False)

    op.create_table('referrals',
    sa.Column('referral_id', sa.String(length=36), nullable=False),
    sa.Column('patient_id', sa.String(length=36), nullable=False),
    sa.Column('site_id', sa.String(length=64), nullable=False),
    sa.Column('referred_on', sa.Date(), nullable=False),
    sa.Column('risk_level', sa.String(length=20), nullable=True),
    sa.Column('recorded_at', shared.db.UtcDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('referral_id', name=op.f('pk_referrals'))
    )
    with op.batch_alter_table('referrals', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_referrals_patient_id'), ['patient_id'], unique=False)

    op.create_table('risk_flags',
    sa.Column('flag_id', sa.String(length=36), nullable=False),
    sa.Column('patient_id', sa.String(length=36), nullable=False),
    sa.Column('site_id', sa.String(length=64), nullable=False),
    sa.Column('enrollment_id', sa.String(length=36), nullable=True),
    sa.Column('referral_id', sa.String(length=36), nullable=True),
    sa.Column('assessment_id', sa.String(length=36), nullable=True),
    sa.Column('reason', sa.String(length=40), nullable=False),
    sa.Column('level', sa.String(length=20), nullable=False),
    sa.Column('raised_at', shared.db.UtcDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('flag_id', name=op.f('pk_risk_flags'))
    )
    with op.batch_alter_table('risk_flags', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_risk_flags_enrollment_id'), ['enrollment_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_risk_flags_patient_id'), ['patient_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_risk_flags_referral_id'), ['referral_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_risk_flags_site_id'), ['site_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('risk_flags', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_risk_flags_site_id'))
        batch_op.drop_index(batch_op.f('ix_risk_flags_referral_id'))
        batch_op.drop_index(batch_op.f('ix_risk_flags_patient_id'))
        batch_op.drop_index(batch_op.f('ix_risk_flags_enrollment_id'))
    op.drop_table('risk_flags')
    with op.batch_alter_table('referrals', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_referrals_patient_id'))
    op.drop_table('referrals')
    op.execute("DELETE FROM assessments WHERE complete = false OR enrollment_id IS NULL")
    with op.batch_alter_table('assessments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_assessments_referral_id'))
        batch_op.alter_column('severity', existing_type=sa.String(length=40), nullable=False)
        batch_op.alter_column('total_score', existing_type=sa.Integer(), nullable=False)
        batch_op.alter_column('enrollment_id', existing_type=sa.String(length=36), nullable=False)
        batch_op.drop_column('q6_within_3_months')
        batch_op.drop_column('complete')
        batch_op.drop_column('referral_id')
