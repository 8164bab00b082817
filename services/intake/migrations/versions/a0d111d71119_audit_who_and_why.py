"""audit log: the caller's subject and display name, and the reason they stated

Revision ID: a0d111d71119
Revises: 9a4b6e2c1d73
Create Date: 2026-12-03 14:00:00.000000
"""
from alembic import op

from shared.migrations import upgrade_kit_tables


revision = 'a0d111d71119'
down_revision = '9a4b6e2c1d73'
branch_labels = None
depends_on = None


def upgrade() -> None:
    upgrade_kit_tables()


def downgrade() -> None:
    with op.batch_alter_table("audit_log") as batch:
        for column in ("reason", "actor_name", "actor_subject"):
            batch.drop_column(column)
