"""Windowed metrics from indexes: when each participation happened; formats by index.

The network metrics count, per contact, the interactions of a time window (active and regular
contacts, tie strength, cadence at an earlier date). Interactions are stored in no
particular time order, so reaching their time through the interactions table reads pages
all over it. This revision

- copies ``interactions.occurred_at`` onto ``interaction_participants`` and indexes it by
  contact and time, so a contact's interactions of a window are one index range; database
  triggers keep the copy right for every writer (the ORM, bulk inserts, restores, merges and
  any later change of an interaction's time), and existing rows are backfilled here. The
  index replaces ``ix_interaction_participants_contact``, which it covers;
- indexes interactions by owner, format, initiator and time, so a period's count of each
  format and initiator is a range of the index rather than a sort of every row.

The trigger bodies are frozen here rather than imported, as a migration must not change
after it has run.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None

# SQLite cannot change NEW in a BEFORE trigger, so it corrects the row just written; the WHEN
# clause makes that a lookup only when the writer already gave the right value.
SQLITE_TRIGGERS = (
    """
    CREATE TRIGGER trg_interaction_participants_occurred_at_insert
    AFTER INSERT ON interaction_participants
    FOR EACH ROW
    WHEN NEW.occurred_at IS NOT (SELECT occurred_at FROM interactions
                                 WHERE id = NEW.interaction_id)
    BEGIN
        UPDATE interaction_participants
        SET occurred_at = (SELECT occurred_at FROM interactions WHERE id = NEW.interaction_id)
        WHERE interaction_id = NEW.interaction_id AND contact_id = NEW.contact_id;
    END
    """,
    """
    CREATE TRIGGER trg_interaction_participants_occurred_at_update
    AFTER UPDATE OF interaction_id, occurred_at ON interaction_participants
    FOR EACH ROW
    WHEN NEW.occurred_at IS NOT (SELECT occurred_at FROM interactions
                                 WHERE id = NEW.interaction_id)
    BEGIN
        UPDATE interaction_participants
        SET occurred_at = (SELECT occurred_at FROM interactions WHERE id = NEW.interaction_id)
        WHERE interaction_id = NEW.interaction_id AND contact_id = NEW.contact_id;
    END
    """,
    """
    CREATE TRIGGER trg_interactions_occurred_at_update
    AFTER UPDATE OF occurred_at ON interactions
    FOR EACH ROW
    WHEN NEW.occurred_at IS NOT OLD.occurred_at
    BEGIN
        UPDATE interaction_participants SET occurred_at = NEW.occurred_at
        WHERE interaction_id = NEW.id;
    END
    """,
)
SQLITE_DROPS = (
    "DROP TRIGGER IF EXISTS trg_interactions_occurred_at_update",
    "DROP TRIGGER IF EXISTS trg_interaction_participants_occurred_at_update",
    "DROP TRIGGER IF EXISTS trg_interaction_participants_occurred_at_insert",
)

POSTGRESQL_TRIGGERS = (
    """
    CREATE FUNCTION interaction_participants_occurred_at() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        SELECT occurred_at INTO NEW.occurred_at FROM interactions
        WHERE id = NEW.interaction_id;
        RETURN NEW;
    END
    $$
    """,
    """
    CREATE TRIGGER trg_interaction_participants_occurred_at
    BEFORE INSERT OR UPDATE OF interaction_id, occurred_at ON interaction_participants
    FOR EACH ROW EXECUTE FUNCTION interaction_participants_occurred_at()
    """,
    """
    CREATE FUNCTION interactions_occurred_at_to_participants() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        UPDATE interaction_participants SET occurred_at = NEW.occurred_at
        WHERE interaction_id = NEW.id;
        RETURN NULL;
    END
    $$
    """,
    """
    CREATE TRIGGER trg_interactions_occurred_at
    AFTER UPDATE OF occurred_at ON interactions
    FOR EACH ROW WHEN (OLD.occurred_at IS DISTINCT FROM NEW.occurred_at)
    EXECUTE FUNCTION interactions_occurred_at_to_participants()
    """,
)
POSTGRESQL_DROPS = (
    "DROP TRIGGER IF EXISTS trg_interactions_occurred_at ON interactions",
    "DROP FUNCTION IF EXISTS interactions_occurred_at_to_participants()",
    "DROP TRIGGER IF EXISTS trg_interaction_participants_occurred_at "
    "ON interaction_participants",
    "DROP FUNCTION IF EXISTS interaction_participants_occurred_at()",
)


def upgrade() -> None:
    bind = op.get_bind()
    sqlite = bind.dialect.name == 'sqlite'
    with op.batch_alter_table('interaction_participants', schema=None) as batch_op:
        # Nullable because SQLite's trigger fills it just after the row is inserted.
        batch_op.add_column(sa.Column('occurred_at', sa.DateTime(timezone=True), nullable=True))
    if sqlite:
        op.execute(
            'UPDATE interaction_participants SET occurred_at = (SELECT occurred_at '
            'FROM interactions WHERE interactions.id = interaction_participants.interaction_id)')
    else:
        op.execute(
            'UPDATE interaction_participants AS p SET occurred_at = i.occurred_at '
            'FROM interactions AS i WHERE i.id = p.interaction_id')
    for statement in SQLITE_TRIGGERS if sqlite else POSTGRESQL_TRIGGERS:
        op.execute(statement)

    with op.batch_alter_table('interaction_participants', schema=None) as batch_op:
        batch_op.drop_index('ix_interaction_participants_contact')
        batch_op.create_index('ix_interaction_participants_contact_occurred',
                              ['contact_id', 'occurred_at', 'interaction_id'], unique=False)
    with op.batch_alter_table('interactions', schema=None) as batch_op:
        batch_op.create_index('ix_interactions_owner_format',
                              ['owner_id', 'format', 'initiated_by', 'occurred_at'], unique=False)
    _refresh_statistics(sqlite)


def _refresh_statistics(sqlite: bool) -> None:
    """Let the planner see the new indexes where it already keeps statistics."""
    if sqlite:
        analyzed = op.get_bind().exec_driver_sql(
            "SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'").first()
        if analyzed is None:
            return
    op.execute('ANALYZE interactions')
    op.execute('ANALYZE interaction_participants')


def downgrade() -> None:
    bind = op.get_bind()
    sqlite = bind.dialect.name == 'sqlite'
    for statement in SQLITE_DROPS if sqlite else POSTGRESQL_DROPS:
        op.execute(statement)
    with op.batch_alter_table('interactions', schema=None) as batch_op:
        batch_op.drop_index('ix_interactions_owner_format')
    with op.batch_alter_table('interaction_participants', schema=None) as batch_op:
        batch_op.drop_index('ix_interaction_participants_contact_occurred')
        batch_op.create_index('ix_interaction_participants_contact',
                              ['contact_id', 'interaction_id'], unique=False)
        batch_op.drop_column('occurred_at')
