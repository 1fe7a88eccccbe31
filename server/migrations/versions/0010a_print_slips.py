"""print slips: a print job is a ticket's or (kind "slip") a matter's steps, in the visitor's language

Revision ID: 0010a
Revises: 0010
Create Date: 2026-12-06 09:00:00
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision: str = '0010a'
down_revision: Union[str, None] = '0010'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table('print_job', schema=None) as batch_op:
        # Every job so far is a ticket's.
        batch_op.add_column(sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False,
                                      server_default='ticket'))
        batch_op.add_column(sa.Column('matter_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('lang', sqlmodel.sql.sqltypes.AutoString(length=2), nullable=False,
                                      server_default=''))
        batch_op.alter_column('ticket_id', existing_type=sa.Integer(), nullable=True)
        batch_op.create_foreign_key('print_job_matter_id_fkey', 'matter', ['matter_id'], ['id'])


def downgrade() -> None:
    # A slip has no ticket: its job cannot stay in a table whose jobs all have one.
    op.execute("DELETE FROM print_job WHERE ticket_id IS NULL")
    with op.batch_alter_table('print_job', schema=None) as batch_op:
        batch_op.drop_constraint('print_job_matter_id_fkey', type_='foreignkey')
        batch_op.alter_column('ticket_id', existing_type=sa.Integer(), nullable=False)
        batch_op.drop_column('lang')
        batch_op.drop_column('matter_id')
        batch_op.drop_column('kind')
