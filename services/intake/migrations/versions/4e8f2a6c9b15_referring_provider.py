"""referrals: the referring provider and the patient's consent to share with them

Revision ID: 4e8f2a6c9b15
Revises: a0d111d71119
Create Date: 2026-12-03 15:00:00.000000
"""
import sqlalchemy as sa
from alembic import op

from shared.db import UtcDateTime


revision = '4e8f2a6c9b15'
down_revision = 'a0d111d71119'
branch_labels = None
depends_on = None

COLUMNS = (
    ('referrer_name', lambda: sa.String(length=120)),
    ('referrer_organization', lambda: sa.String(length=200)),
    ('referrer_direct_address', lambda: sa.String(length=254)),
    ('referrer_npi', lambda: sa.String(length=10)),
    ('share_with_referrer', sa.Boolean),
    ('share_consent_recorded_at', lambda: UtcDateTime(timezone=True)),
)


def upgrade() -> None:
    with op.batch_alter_table('referrals') as batch:
        for name, kind in COLUMNS:
            batch.add_column(sa.Column(name, kind(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('referrals') as batch:
        for name, _ in reversed(COLUMNS):
            batch.drop_column(name)
