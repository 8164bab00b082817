"""enrollments: the aftercare plan given at discharge, for the discharge summary

Revision ID: 6b2d9e4f1a57
Revises: 4e8f2a6c9b15
Create Date: 2026-12-04 19:00:00.000000
"""
import sqlalchemy as sa
from alembic import op


revision = '6b2d9e4f1a57'
down_revision = '4e8f2a6c9b15'
branch_labels = None
depends_on = None

COLUMNS = (
    ('aftercare_plan', sa.Text),
    ('aftercare_provider', lambda: sa.String(length=200)),
    ('aftercare_first_appointment_on', sa.Date),
)


def upgrade() -> None:
    with op.batch_alter_table('enrollments') as batch:
        for name, kind in COLUMNS:
            batch.add_column(sa.Column(name, kind(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('enrollments') as batch:
        for name, _ in reversed(COLUMNS):
            batch.drop_column(name)
