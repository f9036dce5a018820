"""A phone region per user: where numbers written without a '+' are read.

``users.phone_region`` is an ISO 3166-1 alpha-2 code such as DE. Existing users get NULL,
"not set": their region is the system locale's territory, else US (services.users).

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('phone_region', sa.String(length=2), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('phone_region')
