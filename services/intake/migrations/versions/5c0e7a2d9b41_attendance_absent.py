"""attendance: an unexcused absence is stored as 'absent' (shared.enums.ATTENDANCE_STATUSES)

Revision ID: 5c0e7a2d9b41
Revises: bea1692124cb
Create Date: 2026-12-02 17:30:00.000000
"""
from alembic import op


revision = '5c0e7a2d9b41'
down_revision = 'bea1692124cb'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("UPDATE session_outcomes SET status = 'absent' WHERE status = 'missed'")


def downgrade() -> None:
    op.execute("UPDATE session_outcomes SET status = 'missed' WHERE status = 'absent'")
