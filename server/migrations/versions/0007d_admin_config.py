"""admin config: site address, counters default work profiles

Revision ID: 0007d
Revises: 0007c
Create Date: 2026-11-24 02:26:31
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel
import server.models


revision: str = '0007d'
down_revision: Union[str, None] = '0007c'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table('counter_default_service',
    sa.Column('counter_id', sa.Integer(), nullable=False),
    sa.Column('service_id', sa.Integer(), nullable=False),
    sa.Column('weight', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['counter_id'], ['counter.id'], name='fk_counter_default_service_counter_id'),
    sa.ForeignKeyConstraint(['service_id'], ['service.id'], name='fk_counter_default_service_service_id'),
    sa.PrimaryKeyConstraint('counter_id', 'service_id', name='pk_counter_default_service')
    )
    with op.batch_alter_table('site', schema=None) as batch_op:
        batch_op.add_column(sa.Column('address', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False,
                                      server_default=''))  # existing sites: no address yet



def downgrade() -> None:
    with op.batch_alter_table('site', schema=None) as batch_op:
        batch_op.drop_column('address')

    op.drop_table('counter_default_service')
