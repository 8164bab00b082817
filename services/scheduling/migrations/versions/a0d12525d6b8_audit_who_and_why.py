"""audit log: the caller's subject and display name, and the reason they stated

Revision ID: a0d12525d6b8
Revises: a375436da22d
Create Date: 2026-12-03 14:00:00.000000
"""
from alembic import op

from shared.migrations import upgrade_kit_tables


revision = 'a0d12525d6b8'
down_revision = 'a375436da22d'
branch_labels = None
depends_on = None


def upgrade() -> None:
    upgrade_kit_tables()


def downgrade() -> None:
    with op.batch_alter_table("audit_log") as batch:
        for column in ("reason", "actor_name", "actor_subject"):
            batch.drop_column(column)
