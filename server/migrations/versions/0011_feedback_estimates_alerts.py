"""feedback, told estimates, service alerts

Revision ID: 0011
Revises: 0010a
Create Date: 2026-12-06 08:38:59.273447
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel
import server.models


revision: str = '0011'
down_revision: Union[str, None] = '0010a'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table('service_alert',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('service_id', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('started_at', server.models.UTCDateTime(), nullable=False),
    sa.Column('cleared_at', server.models.UTCDateTime(), nullable=True),
    sa.Column('waiting', sa.Integer(), nullable=False),
    sa.Column('longest_min', sa.Integer(), nullable=False),
    sa.Column('target_min', sa.Integer(), nullable=False),
    sa.Column('notified_at', server.models.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['service_id'], ['service.id'], ),
    sa.ForeignKeyConstraint(['site_id'], ['site.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('service_alert', schema=None) as batch_op:
        batch_op.create_index('ix_service_alert_site_open', ['site_id', 'cleared_at'], unique=False)

    op.create_table('feedback',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=True),
    sa.Column('service_id', sa.Integer(), nullable=True),
    sa.Column('counter_id', sa.Integer(), nullable=True),
    sa.Column('staff_user_id', sa.Integer(), nullable=True),
    sa.Column('at', server.models.UTCDateTime(), nullable=False),
    sa.Column('score', sa.Integer(), nullable=False),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('lang', sqlmodel.sql.sqltypes.AutoString(length=2), nullable=False),
    sa.Column('channel', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.ForeignKeyConstraint(['counter_id'], ['counter.id'], ),
    sa.ForeignKeyConstraint(['service_id'], ['service.id'], ),
    sa.ForeignKeyConstraint(['site_id'], ['site.id'], ),
    sa.ForeignKeyConstraint(['staff_user_id'], ['staff_user.id'], ),
    sa.ForeignKeyConstraint(['ticket_id'], ['ticket.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('ticket_id')
    )
    with op.batch_alter_table('feedback', schema=None) as batch_op:
        batch_op.create_index('ix_feedback_site_at', ['site_id', 'at'], unique=False)

    with op.batch_alter_table('appointment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('feedback_ok', sa.Boolean(), nullable=False, server_default=sa.false()))

    with op.batch_alter_table('site', schema=None) as batch_op:
        batch_op.add_column(sa.Column('feedback_per_clerk', sa.Boolean(), nullable=False, server_default=sa.false()))

    with op.batch_alter_table('ticket', schema=None) as batch_op:
        batch_op.add_column(sa.Column('told_wait_min', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('told_last_min', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('told_last_at', server.models.UTCDateTime(), nullable=True))

    with op.batch_alter_table('ticket_contact', schema=None) as batch_op:
        batch_op.add_column(sa.Column('feedback_ok', sa.Boolean(), nullable=False, server_default=sa.false()))



def downgrade() -> None:
    with op.batch_alter_table('ticket_contact', schema=None) as batch_op:
        batch_op.drop_column('feedback_ok')

    with op.batch_alter_table('ticket', schema=None) as batch_op:
        batch_op.drop_column('told_last_at')
        batch_op.drop_column('told_last_min')
        batch_op.drop_column('told_wait_min')

    with op.batch_alter_table('site', schema=None) as batch_op:
        batch_op.drop_column('feedback_per_clerk')

    with op.batch_alter_table('appointment', schema=None) as batch_op:
        batch_op.drop_column('feedback_ok')

    with op.batch_alter_table('feedback', schema=None) as batch_op:
        batch_op.drop_index('ix_feedback_site_at')

    op.drop_table('feedback')
    with op.batch_alter_table('service_alert', schema=None) as batch_op:
        batch_op.drop_index('ix_service_alert_site_open')

    op.drop_table('service_alert')
