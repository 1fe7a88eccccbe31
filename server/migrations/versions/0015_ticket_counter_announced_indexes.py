"""indexes for a counter's current ticket and the displays' latest calls (issue 24)

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07 00:20:00
"""
from typing import Sequence, Union

from alembic import op


revision: str = '0015'
down_revision: Union[str, None] = '0014'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table('ticket', schema=None) as batch_op:
        batch_op.create_index('ix_ticket_counter', ['counter_id', 'status'], unique=False)
        batch_op.create_index('ix_ticket_announced', ['site_id', 'service_day', 'announced_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('ticket', schema=None) as batch_op:
        batch_op.drop_index('ix_ticket_announced')
        batch_op.drop_index('ix_ticket_counter')
