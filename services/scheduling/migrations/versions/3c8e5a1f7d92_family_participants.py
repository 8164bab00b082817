"""family sessions' participants: the related persons projection and who takes part

Revision ID: 3c8e5a1f7d92
Revises: 7e3e6e488d45
Create Date: 2026-12-04 19:05:00.000000
"""
from alembic import op
import sqlalchemy as sa


revision = '3c8e5a1f7d92'
down_revision = '7e3e6e488d45'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('family_members',
    sa.Column('related_person_id', sa.String(length=36), nullable=False),
    sa.Column('patient_id', sa.String(length=36), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('consent_to_contact', sa.Boolean(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('related_person_id', name=op.f('pk_family_members'))
    )
    with op.batch_alter_table('family_members', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_family_members_patient_id'), ['patient_id'], unique=False)

    op.create_table('family_participants',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('session_id', sa.String(length=36), nullable=False),
    sa.Column('related_person_id', sa.String(length=36), nullable=False),
    sa.ForeignKeyConstraint(['session_id'], ['sessions.id'], name=op.f('fk_family_participants_session_id_sessions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_family_participants')),
    sa.UniqueConstraint('session_id', 'related_person_id', name='uq_family_participants_person')
    )
    with op.batch_alter_table('family_participants', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_family_participants_session_id'), ['session_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('family_participants', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_family_participants_session_id'))
    op.drop_table('family_participants')
    with op.batch_alter_table('family_members', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_family_members_patient_id'))
    op.drop_table('family_members')
