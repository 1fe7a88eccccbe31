"""booking releases and their lobby passes (issue 22)

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06 10:30:00
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel
import server.models


revision: str = '0012'
down_revision: Union[str, None] = '0011'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table('booking_release',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('service_id', sa.Integer(), nullable=True),
    sa.Column('first_day', sa.Date(), nullable=False),
    sa.Column('last_day', sa.Date(), nullable=False),
    sa.Column('opens_at', server.models.UTCDateTime(), nullable=False),
    sa.Column('pace', sa.Integer(), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', server.models.UTCDateTime(), nullable=False),
    sa.Column('cancelled_at', server.models.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['created_by'], ['staff_user.id'], ),
    sa.ForeignKeyConstraint(['service_id'], ['service.id'], ),
    sa.ForeignKeyConstraint(['site_id'], ['site.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('booking_release', schema=None) as batch_op:
        batch_op.create_index('ix_booking_release_site', ['site_id', 'last_day'], unique=False)

    op.create_table('lobby_pass',
    sa.Column('id', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('release_id', sa.Integer(), nullable=False),
    sa.Column('rank', sa.BigInteger(), nullable=False),
    sa.Column('requester', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('created_at', server.models.UTCDateTime(), nullable=False),
    sa.Column('admitted_at', server.models.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['release_id'], ['booking_release.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('lobby_pass', schema=None) as batch_op:
        batch_op.create_index('ix_lobby_pass_rank', ['release_id', 'rank'], unique=False)
        batch_op.create_index('ix_lobby_pass_requester', ['release_id', 'requester'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('lobby_pass', schema=None) as batch_op:
        batch_op.drop_index('ix_lobby_pass_requester')
        batch_op.drop_index('ix_lobby_pass_rank')
    op.drop_table('lobby_pass')
    with op.batch_alter_table('booking_release', schema=None) as batch_op:
        batch_op.drop_index('ix_booking_release_site')
    op.drop_table('booking_release')
