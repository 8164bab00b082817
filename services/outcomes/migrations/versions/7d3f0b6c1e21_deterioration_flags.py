"""deterioration_flags: one reliable-deterioration flag per episode and program week

Revision ID: 7d3f0b6c1e21
Revises: 7d2f4b8e1a63
Create Date: 2026-12-03 14:00:00
"""
from alembic import op
import sqlalchemy as sa
import shared.db


revision = '7d3f0b6c1e21'
down_revision = '7d2f4b8e1a63'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('deterioration_flags',
    sa.Column('flag_id', sa.String(length=36), nullable=False),
    sa.Column('enrollment_id', sa.String(length=36), nullable=False),
    sa.Column('patient_id', sa.String(length=36), nullable=False),
    sa.Column('site_id', sa.String(length=64), nullable=False),
    sa.Column('program_week', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('level', sa.String(length=20), nullable=False),
    sa.Column('instruments', sa.JSON(), nullable=False),
    sa.Column('latest_scores', sa.JSON(), nullable=False),
    sa.Column('assessment_id', sa.String(length=36), nullable=False),
    sa.Column('hold_until', shared.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('raised_at', shared.db.UtcDateTime(timezone=True), nullable=True),
    sa.Column('updated_at', shared.db.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['enrollment_id'], ['episodes.enrollment_id'],
                            name=op.f('fk_deterioration_flags_enrollment_id_episodes')),
    sa.PrimaryKeyConstraint('flag_id', name=op.f('pk_deterioration_flags')),
    sa.UniqueConstraint('enrollment_id', 'program_week',
                        name=op.f('uq_deterioration_flags_enrollment_id'))
    )
    with op.batch_alter_table('deterioration_flags', schema=None) as batch_op:
        batch_op.create_index('ix_deterioration_flags_held', ['status', 'hold_until'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('deterioration_flags', schema=None) as batch_op:
        batch_op.drop_index('ix_deterioration_flags_held')
    op.drop_table('deterioration_flags')
