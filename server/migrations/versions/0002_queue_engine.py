"""queue engine: counter actions, work profiles, opening hours

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 20:27:50.135055
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel
import server.models


revision: str = '0002'
down_revision: Union[str, None] = '0001'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

UNIQUE_NAME = {"uq": "%(table_name)s_%(column_0_N_name)s_key"}


def upgrade() -> None:
    op.create_table('opening_exception',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('opens', sa.Time(), nullable=True),
    sa.Column('closes', sa.Time(), nullable=True),
    sa.ForeignKeyConstraint(['site_id'], ['site.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('site_id', 'day')
    )
    with op.batch_alter_table('opening_exception', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_opening_exception_site_id'), ['site_id'], unique=False)

    op.create_table('opening_hours',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('weekday', sa.Integer(), nullable=False),
    sa.Column('opens', sa.Time(), nullable=False),
    sa.Column('closes', sa.Time(), nullable=False),
    sa.ForeignKeyConstraint(['site_id'], ['site.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('site_id', 'weekday')
    )
    with op.batch_alter_table('opening_hours', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_opening_hours_site_id'), ['site_id'], unique=False)

    with op.batch_alter_table('counter', schema=None) as batch_op:
        batch_op.add_column(sa.Column('paused', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('paused_at', server.models.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('profile', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False, server_default='fair'))
        batch_op.add_column(sa.Column('call_key', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True))
        batch_op.add_column(sa.Column('call_key_ticket_id', sa.Integer(), nullable=True))

    with op.batch_alter_table('counter_service', schema=None) as batch_op:
        batch_op.add_column(sa.Column('weight', sa.Integer(), nullable=False, server_default='1'))
        batch_op.add_column(sa.Column('position', sa.Integer(), nullable=False, server_default='0'))

    with op.batch_alter_table('service', schema=None) as batch_op:
        batch_op.add_column(sa.Column('number_start', sa.Integer(), nullable=False, server_default='1'))
        batch_op.add_column(sa.Column('number_end', sa.Integer(), nullable=False, server_default='999'))
        batch_op.add_column(sa.Column('outcome_required', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('transfer_position', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False, server_default='arrival'))

    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.add_column(sa.Column('private', sa.Text(), nullable=True))

    with op.batch_alter_table('site', schema=None) as batch_op:
        batch_op.add_column(sa.Column('no_show_after_calls', sa.Integer(), nullable=False, server_default='3'))

    # 0001's unnamed unique (service_id, service_day, seq): PostgreSQL named it by this pattern; the
    # naming convention lets the SQLite batch find it by the same name.
    with op.batch_alter_table('ticket', schema=None, naming_convention=UNIQUE_NAME) as batch_op:
        batch_op.drop_constraint('ticket_service_id_service_day_seq_key', type_='unique')

    with op.batch_alter_table('ticket', schema=None) as batch_op:
        batch_op.add_column(sa.Column('queued_at', server.models.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('served_at', server.models.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('call_count', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('period', sa.Integer(), nullable=False, server_default='1'))
        batch_op.add_column(sa.Column('priority', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('front', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('appointment_at', server.models.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('walk_in', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('outcome', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True))
        batch_op.add_column(sa.Column('note', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True))
        batch_op.add_column(sa.Column('target_counter_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('target_staff_user_id', sa.Integer(), nullable=True))
        batch_op.create_index('ix_ticket_service_queue', ['service_id', 'status', 'service_day'], unique=False)
        batch_op.create_foreign_key('fk_ticket_target_staff_user', 'staff_user', ['target_staff_user_id'], ['id'])
        batch_op.create_foreign_key('fk_ticket_target_counter', 'counter', ['target_counter_id'], ['id'])
    # Tickets issued before this revision arrived when they were issued.
    op.execute("UPDATE ticket SET queued_at = issued_at")
    with op.batch_alter_table('ticket', schema=None) as batch_op:
        batch_op.alter_column('queued_at', existing_type=server.models.UTCDateTime(), nullable=False)



def downgrade() -> None:
    with op.batch_alter_table('ticket', schema=None) as batch_op:
        batch_op.drop_constraint('fk_ticket_target_staff_user', type_='foreignkey')
        batch_op.drop_constraint('fk_ticket_target_counter', type_='foreignkey')
        batch_op.drop_index('ix_ticket_service_queue')
        batch_op.drop_column('target_staff_user_id')
        batch_op.drop_column('target_counter_id')
        batch_op.drop_column('note')
        batch_op.drop_column('outcome')
        batch_op.drop_column('walk_in')
        batch_op.drop_column('appointment_at')
        batch_op.drop_column('front')
        batch_op.drop_column('priority')
        batch_op.drop_column('period')
        batch_op.drop_column('call_count')
        batch_op.drop_column('served_at')
        batch_op.drop_column('queued_at')

    with op.batch_alter_table('ticket', schema=None, naming_convention=UNIQUE_NAME) as batch_op:
        batch_op.create_unique_constraint('ticket_service_id_service_day_seq_key',
                                          ['service_id', 'service_day', 'seq'])

    with op.batch_alter_table('site', schema=None) as batch_op:
        batch_op.drop_column('no_show_after_calls')

    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.drop_column('private')

    with op.batch_alter_table('service', schema=None) as batch_op:
        batch_op.drop_column('transfer_position')
        batch_op.drop_column('outcome_required')
        batch_op.drop_column('number_end')
        batch_op.drop_column('number_start')

    with op.batch_alter_table('counter_service', schema=None) as batch_op:
        batch_op.drop_column('position')
        batch_op.drop_column('weight')

    with op.batch_alter_table('counter', schema=None) as batch_op:
        batch_op.drop_column('call_key_ticket_id')
        batch_op.drop_column('call_key')
        batch_op.drop_column('profile')
        batch_op.drop_column('paused_at')
        batch_op.drop_column('paused')

    with op.batch_alter_table('opening_hours', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_opening_hours_site_id'))

    op.drop_table('opening_hours')
    with op.batch_alter_table('opening_exception', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_opening_exception_site_id'))

    op.drop_table('opening_exception')
