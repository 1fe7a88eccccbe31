"""remote queue and messages: joining from a phone, arrival, and the outbox of messages to citizens

Revision ID: 0009
Revises: 0008a
Create Date: 2026-12-06 04:30:00
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel
import server.models


revision: str = '0009'
down_revision: Union[str, None] = '0008a'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    # Existing services take no remote tickets until an admin allows it; existing tickets are from the kiosk.
    op.create_table('ticket_contact',
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('channel', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('address', sa.Text(), nullable=False),
    sa.Column('lang', sqlmodel.sql.sqltypes.AutoString(length=2), nullable=False),
    sa.Column('notify_before_min', sa.Integer(), nullable=False),
    sa.Column('near_sent_at', server.models.UTCDateTime(), nullable=True),
    sa.Column('created_at', server.models.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['site_id'], ['site.id'], ),
    sa.ForeignKeyConstraint(['ticket_id'], ['ticket.id'], ),
    sa.PrimaryKeyConstraint('ticket_id')
    )
    with op.batch_alter_table('ticket_contact', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ticket_contact_site_id'), ['site_id'], unique=False)

    op.create_table('message',
    sa.Column('id', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=True),
    sa.Column('appointment_id', sa.Integer(), nullable=True),
    sa.Column('channel', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('address', sa.Text(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('lang', sqlmodel.sql.sqltypes.AutoString(length=2), nullable=False),
    sa.Column('params', sa.Text(), nullable=False),
    sa.Column('state', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', server.models.UTCDateTime(), nullable=False),
    sa.Column('created_at', server.models.UTCDateTime(), nullable=False),
    sa.Column('updated_at', server.models.UTCDateTime(), nullable=False),
    sa.Column('sent_at', server.models.UTCDateTime(), nullable=True),
    sa.Column('error', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
    sa.Column('gateway_id', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
    sa.ForeignKeyConstraint(['appointment_id'], ['appointment.id'], ),
    sa.ForeignKeyConstraint(['site_id'], ['site.id'], ),
    sa.ForeignKeyConstraint(['ticket_id'], ['ticket.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('message', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_message_appointment_id'), ['appointment_id'], unique=False)
        batch_op.create_index('ix_message_due', ['state', 'next_attempt_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_message_site_id'), ['site_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_message_ticket_id'), ['ticket_id'], unique=False)

    with op.batch_alter_table('service', schema=None) as batch_op:
        batch_op.add_column(sa.Column('remote_join', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('remote_from_min', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('remote_until_min', sa.Integer(), nullable=False, server_default='60'))
        batch_op.add_column(sa.Column('remote_max_waiting', sa.Integer(), nullable=False, server_default='20'))

    with op.batch_alter_table('site', schema=None) as batch_op:
        batch_op.add_column(sa.Column('arrival_hold_min', sa.Integer(), nullable=False, server_default='10'))
        batch_op.add_column(sa.Column('arrival_passes', sa.Integer(), nullable=False, server_default='1'))
        batch_op.add_column(sa.Column('move_back_places', sa.Integer(), nullable=False, server_default='3'))

    with op.batch_alter_table('ticket', schema=None) as batch_op:
        batch_op.add_column(sa.Column('remote', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('arrived_at', server.models.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('arrival_code', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=True))
        batch_op.add_column(sa.Column('held_at', server.models.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('passes', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('delays', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('notify', sa.Boolean(), nullable=False, server_default=sa.false()))



def downgrade() -> None:
    with op.batch_alter_table('ticket', schema=None) as batch_op:
        batch_op.drop_column('notify')
        batch_op.drop_column('delays')
        batch_op.drop_column('passes')
        batch_op.drop_column('held_at')
        batch_op.drop_column('arrival_code')
        batch_op.drop_column('arrived_at')
        batch_op.drop_column('remote')

    with op.batch_alter_table('site', schema=None) as batch_op:
        batch_op.drop_column('move_back_places')
        batch_op.drop_column('arrival_passes')
        batch_op.drop_column('arrival_hold_min')

    with op.batch_alter_table('service', schema=None) as batch_op:
        batch_op.drop_column('remote_max_waiting')
        batch_op.drop_column('remote_until_min')
        batch_op.drop_column('remote_from_min')
        batch_op.drop_column('remote_join')

    with op.batch_alter_table('message', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_message_ticket_id'))
        batch_op.drop_index(batch_op.f('ix_message_site_id'))
        batch_op.drop_index('ix_message_due')
        batch_op.drop_index(batch_op.f('ix_message_appointment_id'))

    op.drop_table('message')
    with op.batch_alter_table('ticket_contact', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ticket_contact_site_id'))

    op.drop_table('ticket_contact')
