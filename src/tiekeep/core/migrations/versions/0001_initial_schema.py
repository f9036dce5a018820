"""The initial schema: every table of the domain model, and the contact search index.

Revision ID: 0001
Revises: (none)
"""

import sqlalchemy as sa
from alembic import op

from tiekeep.core import search

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('app_secrets',
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('value', sa.String(length=255), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_app_secrets'))
    )
    op.create_table('users',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', sa.String(length=80), nullable=False),
    sa.Column('password_hash', sa.String(length=255), nullable=True),
    sa.Column('display_name', sa.String(length=200), nullable=False),
    sa.Column('time_zone', sa.String(length=64), nullable=False),
    sa.Column('locale', sa.String(length=16), nullable=False),
    sa.Column('organization', sa.String(length=200), nullable=True),
    sa.Column('department', sa.String(length=200), nullable=True),
    sa.Column('calendar_token', sa.String(length=64), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_users')),
    sa.UniqueConstraint('calendar_token', name=op.f('uq_users_calendar_token')),
    sa.UniqueConstraint('username', name=op.f('uq_users_username'))
    )
    op.create_table('api_tokens',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('token_hash', sa.String(length=128), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_used_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], name=op.f('fk_api_tokens_owner_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_tokens')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_api_tokens_token_hash'))
    )
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_api_tokens_owner_id'), ['owner_id'], unique=False)

    op.create_table('audit_log',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=False),
    sa.Column('contact_id', sa.Integer(), nullable=True),
    sa.Column('actor', sa.String(length=80), nullable=False),
    sa.Column('action', sa.String(length=32), nullable=False),
    sa.Column('changes', sa.JSON(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], name=op.f('fk_audit_log_owner_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_log'))
    )
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.create_index('ix_audit_log_contact_at', ['contact_id', 'at'], unique=False)

    op.create_table('contacts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=False),
    sa.Column('display_name', sa.String(length=300), nullable=False),
    sa.Column('given_name', sa.String(length=200), nullable=True),
    sa.Column('family_name', sa.String(length=200), nullable=True),
    sa.Column('aliases', sa.JSON(), nullable=False),
    sa.Column('birthday', sa.Date(), nullable=True),
    sa.Column('birthday_has_year', sa.Boolean(), nullable=False),
    sa.Column('location', sa.String(length=300), nullable=True),
    sa.Column('time_zone', sa.String(length=64), nullable=True),
    sa.Column('tier', sa.String(length=16), nullable=False),
    sa.Column('horizon', sa.String(length=16), nullable=False),
    sa.Column('project_end', sa.Date(), nullable=True),
    sa.Column('cadence_days', sa.Integer(), nullable=True),
    sa.Column('trust', sa.Integer(), nullable=True),
    sa.Column('strength_override', sa.Integer(), nullable=True),
    sa.Column('interests', sa.JSON(), nullable=False),
    sa.Column('goals', sa.Text(), nullable=True),
    sa.Column('challenges', sa.Text(), nullable=True),
    sa.Column('personal_notes', sa.Text(), nullable=True),
    sa.Column('how_met', sa.Text(), nullable=True),
    sa.Column('met_on', sa.Date(), nullable=True),
    sa.Column('introduced_by_id', sa.Integer(), nullable=True),
    sa.Column('next_meeting_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('deleted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('photo', sa.LargeBinary(), nullable=True),
    sa.Column('photo_type', sa.String(length=64), nullable=True),
    sa.Column('last_contact_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_qualifying_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['introduced_by_id'], ['contacts.id'], name=op.f('fk_contacts_introduced_by_id_contacts'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], name=op.f('fk_contacts_owner_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contacts'))
    )
    with op.batch_alter_table('contacts', schema=None) as batch_op:
        batch_op.create_index('ix_contacts_owner_last_contact', ['owner_id', 'last_contact_at'], unique=False)
        batch_op.create_index('ix_contacts_owner_name', ['owner_id', 'display_name'], unique=False)

    op.create_table('goals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('metric', sa.String(length=100), nullable=False),
    sa.Column('comparator', sa.String(length=2), nullable=False),
    sa.Column('target', sa.Float(), nullable=False),
    sa.Column('period', sa.String(length=16), nullable=False),
    sa.Column('scope', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], name=op.f('fk_goals_owner_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_goals'))
    )
    with op.batch_alter_table('goals', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_goals_owner_id'), ['owner_id'], unique=False)

    op.create_table('import_runs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('path', sa.Text(), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('summary', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], name=op.f('fk_import_runs_owner_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_import_runs'))
    )
    with op.batch_alter_table('import_runs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_import_runs_owner_id'), ['owner_id'], unique=False)

    op.create_table('interactions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=False),
    sa.Column('occurred_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('duration_minutes', sa.Integer(), nullable=True),
    sa.Column('format', sa.String(length=32), nullable=False),
    sa.Column('initiated_by', sa.String(length=8), nullable=False),
    sa.Column('topics', sa.JSON(), nullable=False),
    sa.Column('summary', sa.Text(), nullable=True),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('depth', sa.Integer(), nullable=True),
    sa.Column('source', sa.String(length=32), nullable=False),
    sa.Column('source_key', sa.String(length=500), nullable=True),
    sa.Column('attendee_count', sa.Integer(), nullable=False),
    sa.Column('thread_key', sa.String(length=500), nullable=True),
    sa.Column('reply_to_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], name=op.f('fk_interactions_owner_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['reply_to_id'], ['interactions.id'], name=op.f('fk_interactions_reply_to_id_interactions'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_interactions'))
    )
    with op.batch_alter_table('interactions', schema=None) as batch_op:
        batch_op.create_index('ix_interactions_owner_occurred', ['owner_id', 'occurred_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_interactions_reply_to_id'), ['reply_to_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_interactions_thread_key'), ['thread_key'], unique=False)
        batch_op.create_index('uq_interactions_owner_source_key', ['owner_id', 'source', 'source_key'], unique=True)

    op.create_table('notifications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('period_key', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], name=op.f('fk_notifications_owner_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notifications'))
    )
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notifications_owner_id'), ['owner_id'], unique=False)

    op.create_table('resources',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=500), nullable=False),
    sa.Column('url', sa.String(length=2000), nullable=True),
    sa.Column('topics', sa.JSON(), nullable=False),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], name=op.f('fk_resources_owner_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_resources'))
    )
    with op.batch_alter_table('resources', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_resources_owner_id'), ['owner_id'], unique=False)

    op.create_table('tags',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], name=op.f('fk_tags_owner_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tags')),
    sa.UniqueConstraint('owner_id', 'name', name='uq_tags_owner_name')
    )
    op.create_table('contact_emails',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('contact_id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=320), nullable=False),
    sa.Column('label', sa.String(length=40), nullable=True),
    sa.ForeignKeyConstraint(['contact_id'], ['contacts.id'], name=op.f('fk_contact_emails_contact_id_contacts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contact_emails'))
    )
    with op.batch_alter_table('contact_emails', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contact_emails_contact_id'), ['contact_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_contact_emails_email'), ['email'], unique=False)

    op.create_table('contact_links',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=False),
    sa.Column('a_id', sa.Integer(), nullable=False),
    sa.Column('b_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('source', sa.String(length=32), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['a_id'], ['contacts.id'], name=op.f('fk_contact_links_a_id_contacts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['b_id'], ['contacts.id'], name=op.f('fk_contact_links_b_id_contacts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], name=op.f('fk_contact_links_owner_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contact_links')),
    sa.UniqueConstraint('a_id', 'b_id', 'kind', name='uq_contact_links_a_b_kind')
    )
    with op.batch_alter_table('contact_links', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contact_links_a_id'), ['a_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_contact_links_b_id'), ['b_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_contact_links_owner_id'), ['owner_id'], unique=False)

    op.create_table('contact_phones',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('contact_id', sa.Integer(), nullable=False),
    sa.Column('phone', sa.String(length=40), nullable=False),
    sa.Column('label', sa.String(length=40), nullable=True),
    sa.ForeignKeyConstraint(['contact_id'], ['contacts.id'], name=op.f('fk_contact_phones_contact_id_contacts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contact_phones'))
    )
    with op.batch_alter_table('contact_phones', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contact_phones_contact_id'), ['contact_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_contact_phones_phone'), ['phone'], unique=False)

    op.create_table('contact_sources',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=False),
    sa.Column('contact_id', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(length=32), nullable=False),
    sa.Column('key', sa.String(length=500), nullable=False),
    sa.ForeignKeyConstraint(['contact_id'], ['contacts.id'], name=op.f('fk_contact_sources_contact_id_contacts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], name=op.f('fk_contact_sources_owner_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contact_sources')),
    sa.UniqueConstraint('owner_id', 'source', 'key', name='uq_contact_sources_owner_source_key')
    )
    with op.batch_alter_table('contact_sources', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contact_sources_contact_id'), ['contact_id'], unique=False)

    op.create_table('contact_tags',
    sa.Column('contact_id', sa.Integer(), nullable=False),
    sa.Column('tag_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['contact_id'], ['contacts.id'], name=op.f('fk_contact_tags_contact_id_contacts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tag_id'], ['tags.id'], name=op.f('fk_contact_tags_tag_id_tags'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('contact_id', 'tag_id', name=op.f('pk_contact_tags'))
    )
    with op.batch_alter_table('contact_tags', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contact_tags_tag_id'), ['tag_id'], unique=False)

    op.create_table('contact_urls',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('contact_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('url', sa.String(length=1000), nullable=False),
    sa.ForeignKeyConstraint(['contact_id'], ['contacts.id'], name=op.f('fk_contact_urls_contact_id_contacts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contact_urls'))
    )
    with op.batch_alter_table('contact_urls', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contact_urls_contact_id'), ['contact_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_contact_urls_url'), ['url'], unique=False)

    op.create_table('followups',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=False),
    sa.Column('contact_id', sa.Integer(), nullable=False),
    sa.Column('interaction_id', sa.Integer(), nullable=True),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('due', sa.Date(), nullable=True),
    sa.Column('done_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('snoozed_until', sa.Date(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['contact_id'], ['contacts.id'], name=op.f('fk_followups_contact_id_contacts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['interaction_id'], ['interactions.id'], name=op.f('fk_followups_interaction_id_interactions'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], name=op.f('fk_followups_owner_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_followups'))
    )
    with op.batch_alter_table('followups', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_followups_contact_id'), ['contact_id'], unique=False)
        batch_op.create_index('ix_followups_owner_due', ['owner_id', 'done_at', 'due'], unique=False)

    op.create_table('interaction_participants',
    sa.Column('interaction_id', sa.Integer(), nullable=False),
    sa.Column('contact_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['contact_id'], ['contacts.id'], name=op.f('fk_interaction_participants_contact_id_contacts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['interaction_id'], ['interactions.id'], name=op.f('fk_interaction_participants_interaction_id_interactions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('interaction_id', 'contact_id', name=op.f('pk_interaction_participants'))
    )
    with op.batch_alter_table('interaction_participants', schema=None) as batch_op:
        batch_op.create_index('ix_interaction_participants_contact', ['contact_id', 'interaction_id'], unique=False)

    op.create_table('plan_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('contact_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('done_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['contact_id'], ['contacts.id'], name=op.f('fk_plan_items_contact_id_contacts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plan_items'))
    )
    with op.batch_alter_table('plan_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_plan_items_contact_id'), ['contact_id'], unique=False)

    op.create_table('reminder_states',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=False),
    sa.Column('contact_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('snoozed_until', sa.Date(), nullable=True),
    sa.Column('dismissed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('dismissed_until', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['contact_id'], ['contacts.id'], name=op.f('fk_reminder_states_contact_id_contacts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], name=op.f('fk_reminder_states_owner_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reminder_states')),
    sa.UniqueConstraint('owner_id', 'contact_id', 'kind', 'key', name='uq_reminder_states_owner_contact_kind_key')
    )
    with op.batch_alter_table('reminder_states', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reminder_states_contact_id'), ['contact_id'], unique=False)

    op.create_table('resource_shares',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('resource_id', sa.Integer(), nullable=False),
    sa.Column('contact_id', sa.Integer(), nullable=False),
    sa.Column('shared_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['contact_id'], ['contacts.id'], name=op.f('fk_resource_shares_contact_id_contacts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['resource_id'], ['resources.id'], name=op.f('fk_resource_shares_resource_id_resources'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_resource_shares')),
    sa.UniqueConstraint('resource_id', 'contact_id', name='uq_resource_shares_resource_contact')
    )
    with op.batch_alter_table('resource_shares', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_resource_shares_contact_id'), ['contact_id'], unique=False)

    op.create_table('roles',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('contact_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=True),
    sa.Column('department', sa.String(length=300), nullable=True),
    sa.Column('organization', sa.String(length=300), nullable=True),
    sa.Column('location', sa.String(length=300), nullable=True),
    sa.Column('started', sa.Date(), nullable=True),
    sa.Column('ended', sa.Date(), nullable=True),
    sa.Column('source', sa.String(length=32), nullable=False),
    sa.Column('is_change', sa.Boolean(), nullable=False),
    sa.Column('acknowledged_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['contact_id'], ['contacts.id'], name=op.f('fk_roles_contact_id_contacts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_roles'))
    )
    with op.batch_alter_table('roles', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_roles_contact_id'), ['contact_id'], unique=False)

    op.create_table('trust_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('contact_id', sa.Integer(), nullable=False),
    sa.Column('trust', sa.Integer(), nullable=False),
    sa.Column('changed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['contact_id'], ['contacts.id'], name=op.f('fk_trust_changes_contact_id_contacts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_trust_changes'))
    )
    with op.batch_alter_table('trust_changes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_trust_changes_contact_id'), ['contact_id'], unique=False)

    op.create_table('value_exchanges',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=False),
    sa.Column('contact_id', sa.Integer(), nullable=False),
    sa.Column('interaction_id', sa.Integer(), nullable=True),
    sa.Column('direction', sa.String(length=8), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('category', sa.String(length=32), nullable=True),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('occurred_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['contact_id'], ['contacts.id'], name=op.f('fk_value_exchanges_contact_id_contacts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['interaction_id'], ['interactions.id'], name=op.f('fk_value_exchanges_interaction_id_interactions'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], name=op.f('fk_value_exchanges_owner_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_value_exchanges'))
    )
    with op.batch_alter_table('value_exchanges', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_value_exchanges_contact_id'), ['contact_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_value_exchanges_interaction_id'), ['interaction_id'], unique=False)
        batch_op.create_index('ix_value_exchanges_owner_occurred', ['owner_id', 'occurred_at'], unique=False)


    search.create_objects(op.get_bind())


def downgrade() -> None:
    search.drop_objects(op.get_bind())
    with op.batch_alter_table('value_exchanges', schema=None) as batch_op:
        batch_op.drop_index('ix_value_exchanges_owner_occurred')
        batch_op.drop_index(batch_op.f('ix_value_exchanges_interaction_id'))
        batch_op.drop_index(batch_op.f('ix_value_exchanges_contact_id'))

    op.drop_table('value_exchanges')
    with op.batch_alter_table('trust_changes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_trust_changes_contact_id'))

    op.drop_table('trust_changes')
    with op.batch_alter_table('roles', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_roles_contact_id'))

    op.drop_table('roles')
    with op.batch_alter_table('resource_shares', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_resource_shares_contact_id'))

    op.drop_table('resource_shares')
    with op.batch_alter_table('reminder_states', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reminder_states_contact_id'))

    op.drop_table('reminder_states')
    with op.batch_alter_table('plan_items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_plan_items_contact_id'))

    op.drop_table('plan_items')
    with op.batch_alter_table('interaction_participants', schema=None) as batch_op:
        batch_op.drop_index('ix_interaction_participants_contact')

    op.drop_table('interaction_participants')
    with op.batch_alter_table('followups', schema=None) as batch_op:
        batch_op.drop_index('ix_followups_owner_due')
        batch_op.drop_index(batch_op.f('ix_followups_contact_id'))

    op.drop_table('followups')
    with op.batch_alter_table('contact_urls', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contact_urls_url'))
        batch_op.drop_index(batch_op.f('ix_contact_urls_contact_id'))

    op.drop_table('contact_urls')
    with op.batch_alter_table('contact_tags', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contact_tags_tag_id'))

    op.drop_table('contact_tags')
    with op.batch_alter_table('contact_sources', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contact_sources_contact_id'))

    op.drop_table('contact_sources')
    with op.batch_alter_table('contact_phones', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contact_phones_phone'))
        batch_op.drop_index(batch_op.f('ix_contact_phones_contact_id'))

    op.drop_table('contact_phones')
    with op.batch_alter_table('contact_links', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contact_links_owner_id'))
        batch_op.drop_index(batch_op.f('ix_contact_links_b_id'))
        batch_op.drop_index(batch_op.f('ix_contact_links_a_id'))

    op.drop_table('contact_links')
    with op.batch_alter_table('contact_emails', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contact_emails_email'))
        batch_op.drop_index(batch_op.f('ix_contact_emails_contact_id'))

    op.drop_table('contact_emails')
    op.drop_table('tags')
    with op.batch_alter_table('resources', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_resources_owner_id'))

    op.drop_table('resources')
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notifications_owner_id'))

    op.drop_table('notifications')
    with op.batch_alter_table('interactions', schema=None) as batch_op:
        batch_op.drop_index('uq_interactions_owner_source_key')
        batch_op.drop_index(batch_op.f('ix_interactions_thread_key'))
        batch_op.drop_index(batch_op.f('ix_interactions_reply_to_id'))
        batch_op.drop_index('ix_interactions_owner_occurred')

    op.drop_table('interactions')
    with op.batch_alter_table('import_runs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_import_runs_owner_id'))

    op.drop_table('import_runs')
    with op.batch_alter_table('goals', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_goals_owner_id'))

    op.drop_table('goals')
    with op.batch_alter_table('contacts', schema=None) as batch_op:
        batch_op.drop_index('ix_contacts_owner_name')
        batch_op.drop_index('ix_contacts_owner_last_contact')

    op.drop_table('contacts')
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_log_contact_at')

    op.drop_table('audit_log')
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_api_tokens_owner_id'))

    op.drop_table('api_tokens')
    op.drop_table('users')
    op.drop_table('app_secrets')
