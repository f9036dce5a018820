"""Overdue ties from an index: contacts by owner, tier, cadence override and last contact.

The agenda's overdue ties are, for each tier, the contacts whose last qualifying contact (or,
for those never met, the day they were added) is older than the tier's cadence, plus the few
contacts with a cadence of their own. Without an index that is a scan of every contact. This
revision indexes exactly those terms, ``coalesce(last_qualifying_at, created_at)`` included,
so each tier is one range of the index.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None

INDEX = 'ix_contacts_owner_tier_cadence_anchor'


def upgrade() -> None:
    op.create_index(INDEX, 'contacts', [
        'owner_id', 'tier', 'cadence_days',
        sa.text('coalesce(last_qualifying_at, created_at)')], unique=False)
    bind = op.get_bind()
    if bind.dialect.name != 'sqlite' or bind.exec_driver_sql(
            "SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'").first():
        op.execute('ANALYZE contacts')  # where the planner keeps statistics, refresh them


def downgrade() -> None:
    op.drop_index(INDEX, table_name='contacts')
