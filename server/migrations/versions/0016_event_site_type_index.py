"""an index for a site's events of a kind: the counter screen's alarms and a clerk's last counter (issue 24)

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07 08:50:00
"""
from typing import Sequence, Union

from alembic import op


revision: str = '0016'
down_revision: Union[str, None] = '0015'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.create_index('ix_event_site_type', ['site_id', 'type', 'seq'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.drop_index('ix_event_site_type')
