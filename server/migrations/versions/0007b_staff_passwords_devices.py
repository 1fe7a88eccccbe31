"""staff passwords (forced change after an admin's reset) and device enrolment

Revision ID: 0007b
Revises: 0006
Create Date: 2026-11-24 02:26:38
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel
import server.models


revision: str = '0007b'
down_revision: Union[str, None] = '0006'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table('device', schema=None) as batch_op:
        batch_op.add_column(sa.Column('enrolled_at', server.models.UTCDateTime(), nullable=True))

    with op.batch_alter_table('staff_user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('must_change_password', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
        batch_op.add_column(sa.Column('password_changed_at', server.models.UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('staff_user', schema=None) as batch_op:
        batch_op.drop_column('password_changed_at')
        batch_op.drop_column('must_change_password')

    with op.batch_alter_table('device', schema=None) as batch_op:
        batch_op.drop_column('enrolled_at')

