"""related persons: a patient's family members and other contacts, with their own consent

Revision ID: 6b2d9e4f1a37
Revises: 6b2d9e4f1a57
Create Date: 2026-12-04 19:00:00.000000
"""
import sqlalchemy as sa
from alembic import op

import shared.db


revision = '6b2d9e4f1a37'
down_revision = '6b2d9e4f1a57'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('related_persons',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('patient_id', sa.String(length=36), nullable=False),
    sa.Column('site_id', sa.String(length=64), nullable=False),
    sa.Column('given_name', sa.String(length=100), nullable=False),
    sa.Column('family_name', sa.String(length=100), nullable=False),
    sa.Column('relationship', sa.String(length=16), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=True),
    sa.Column('phone', sa.String(length=32), nullable=True),
    sa.Column('preferred_language', sa.String(length=35), nullable=False),
    sa.Column('consent_to_contact', sa.Boolean(), nullable=False),
    sa.Column('consent_recorded_at', shared.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', shared.db.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['patient_id'], ['patients.id'], name=op.f('fk_related_persons_patient_id_patients')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_related_persons'))
    )
    with op.batch_alter_table('related_persons', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_related_persons_patient_id'), ['patient_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_related_persons_site_id'), ['site_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('related_persons', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_related_persons_site_id'))
        batch_op.drop_index(batch_op.f('ix_related_persons_patient_id'))
    op.drop_table('related_persons')
