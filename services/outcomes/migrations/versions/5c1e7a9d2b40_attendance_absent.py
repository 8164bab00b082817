"""attendance: 'absent' for an unexcused missed session (shared.enums.ATTENDANCE_STATUSES)

Revision ID: 5c1e7a9d2b40
Revises: 30aa2510bf4c
Create Date: 2026-12-01 09:00:00
"""
from alembic import op


revision = '5c1e7a9d2b40'
down_revision = '30aa2510bf4c'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("UPDATE attendance SET status = 'absent' WHERE status = 'missed'")


def downgrade() -> None:
    op.execute("UPDATE attendance SET status = 'missed' WHERE status = 'absent'")
