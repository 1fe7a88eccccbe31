"""appointments: bookable services, their hours, slot seats and appointments

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 23:46:10
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel
import server.models


revision: str = '0005'
down_revision: Union[str, None] = '0004'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table('appointment_hours',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('service_id', sa.Integer(), nullable=False),
    sa.Column('weekday', sa.Integer(), nullable=False),
    sa.Column('opens', sa.Time(), nullable=False),
    sa.Column('closes', sa.Time(), nullable=False),
    sa.ForeignKeyConstraint(['service_id'], ['service.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('service_id', 'weekday')
    )
    with op.batch_alter_table('appointment_hours', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_appointment_hours_service_id'), ['service_id'], unique=False)

    op.create_table('appointment_slot',
    sa.Column('service_id', sa.Integer(), nullable=False),
    sa.Column('starts_at', server.models.UTCDateTime(), nullable=False),
    sa.Column('capacity', sa.Integer(), nullable=False),
    sa.Column('taken', sa.Integer(), nullable=False),
    sa.CheckConstraint('taken >= 0 AND taken <= capacity', name='ck_appointment_slot_seats'),
    sa.ForeignKeyConstraint(['service_id'], ['service.id'], ),
    sa.PrimaryKeyConstraint('service_id', 'starts_at')
    )
    op.create_table('appointment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('public_id', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('code', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('service_id', sa.Integer(), nullable=False),
    sa.Column('starts_at', server.models.UTCDateTime(), nullable=False),
    sa.Column('ends_at', server.models.UTCDateTime(), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('hold_expires_at', server.models.UTCDateTime(), nullable=True),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('phone', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('email', sqlmodel.sql.sqltypes.AutoString(length=254), nullable=False),
    sa.Column('message', sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
    sa.Column('lang', sqlmodel.sql.sqltypes.AutoString(length=2), nullable=False),
    sa.Column('requester', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('created_at', server.models.UTCDateTime(), nullable=False),
    sa.Column('booked_at', server.models.UTCDateTime(), nullable=True),
    sa.Column('booked_by', sa.Integer(), nullable=True),
    sa.Column('expert_id', sa.Integer(), nullable=True),
    sa.Column('cancelled_at', server.models.UTCDateTime(), nullable=True),
    sa.Column('cancel_reason', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('checked_in_at', server.models.UTCDateTime(), nullable=True),
    sa.Column('ticket_id', sa.Integer(), nullable=True),
    sa.Column('confirmation_sent_at', server.models.UTCDateTime(), nullable=True),
    sa.Column('reminder_sent_at', server.models.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['booked_by'], ['staff_user.id'], ),
    sa.ForeignKeyConstraint(['expert_id'], ['staff_user.id'], ),
    sa.ForeignKeyConstraint(['service_id'], ['service.id'], ),
    sa.ForeignKeyConstraint(['site_id'], ['site.id'], ),
    sa.ForeignKeyConstraint(['ticket_id'], ['ticket.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('code'),
    sa.UniqueConstraint('public_id')
    )
    with op.batch_alter_table('appointment', schema=None) as batch_op:
        batch_op.create_index('ix_appointment_email', ['email'], unique=False)
        batch_op.create_index('ix_appointment_phone', ['phone'], unique=False)
        batch_op.create_index('ix_appointment_slot', ['service_id', 'starts_at', 'status'], unique=False)

    with op.batch_alter_table('service', schema=None) as batch_op:
        batch_op.add_column(sa.Column('appointment_seats', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('slot_min', sa.Integer(), nullable=False, server_default='20'))
        batch_op.add_column(sa.Column('buffer_min', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('walk_in_share', sa.Integer(), nullable=False, server_default='0'))



def downgrade() -> None:
    with op.batch_alter_table('service', schema=None) as batch_op:
        batch_op.drop_column('walk_in_share')
        batch_op.drop_column('buffer_min')
        batch_op.drop_column('slot_min')
        batch_op.drop_column('appointment_seats')

    with op.batch_alter_table('appointment', schema=None) as batch_op:
        batch_op.drop_index('ix_appointment_slot')
        batch_op.drop_index('ix_appointment_phone')
        batch_op.drop_index('ix_appointment_email')

    op.drop_table('appointment')
    op.drop_table('appointment_slot')
    with op.batch_alter_table('appointment_hours', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_appointment_hours_service_id'))

    op.drop_table('appointment_hours')
