"""session bookings: the session's kind (a family session's reminders reach its related persons)

Revision ID: 8e1f3b5c7a24
Revises: a0d1be68fa34
Create Date: 2026-12-04 19:10:00.000000
"""
import sqlalchemy as sa
from alembic import op


revision = '8e1f3b5c7a24'
down_revision = 'a0d1be68fa34'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('session_bookings') as batch:
        batch.add_column(sa.Column('kind', sa.String(length=16), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('session_bookings') as batch:
        batch.drop_column('kind')
