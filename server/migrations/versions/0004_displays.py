"""displays: the site's look on the waiting-room displays, and the time of a ticket's last call

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 10:05:00
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel
import server.models


revision: str = '0004'
down_revision: Union[str, None] = '0003'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table('site', schema=None) as batch_op:
        batch_op.add_column(sa.Column('brand_colour', sqlmodel.sql.sqltypes.AutoString(length=7), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('brand_logo', sa.LargeBinary(), nullable=True))
        for lang in ('fi', 'sv', 'en'):
            batch_op.add_column(sa.Column(f'display_notice_{lang}', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False, server_default=''))
    with op.batch_alter_table('ticket', schema=None) as batch_op:
        batch_op.add_column(sa.Column('announced_at', server.models.UTCDateTime(), nullable=True))
    # Tickets called before this revision: their last call is their first, as far as anyone knows.
    op.execute("UPDATE ticket SET announced_at = called_at WHERE walk_in = false AND called_at IS NOT NULL")


def downgrade() -> None:
    with op.batch_alter_table('ticket', schema=None) as batch_op:
        batch_op.drop_column('announced_at')
    with op.batch_alter_table('site', schema=None) as batch_op:
        for lang in ('en', 'sv', 'fi'):
            batch_op.drop_column(f'display_notice_{lang}')
        batch_op.drop_column('brand_logo')
        batch_op.drop_column('brand_colour')
