"""printers: printer rows, kiosk devices with agent tokens, print jobs with retries, ticket layout

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 22:22:34.526923
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel
import server.models


revision: str = '0003'
down_revision: Union[str, None] = '0002'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table('printer',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
    sa.Column('connection', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('profile', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('condition', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('condition_at', server.models.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['site_id'], ['site.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('site_id', 'name')
    )
    with op.batch_alter_table('printer', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_printer_site_id'), ['site_id'], unique=False)

    op.create_table('device',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
    sa.Column('printer_id', sa.Integer(), nullable=True),
    sa.Column('token_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('token_created_at', server.models.UTCDateTime(), nullable=True),
    sa.Column('token_revoked_at', server.models.UTCDateTime(), nullable=True),
    sa.Column('last_seen_at', server.models.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['printer_id'], ['printer.id'], ),
    sa.ForeignKeyConstraint(['site_id'], ['site.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('site_id', 'name'),
    sa.UniqueConstraint('token_hash')
    )
    with op.batch_alter_table('device', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_device_site_id'), ['site_id'], unique=False)

    with op.batch_alter_table('print_job', schema=None) as batch_op:
        batch_op.add_column(sa.Column('printer_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('reprint', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('requested_by', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('people_ahead', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('estimated_wait_min', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('next_attempt_at', server.models.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('sent_at', server.models.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('printed_at', server.models.UTCDateTime(), nullable=True))
        batch_op.create_index('ix_print_job_due', ['printer_id', 'state', 'next_attempt_at'], unique=False)
        batch_op.create_foreign_key('print_job_printer_id_fkey', 'printer', ['printer_id'], ['id'])
        batch_op.create_foreign_key('print_job_requested_by_fkey', 'staff_user', ['requested_by'], ['id'])
    # Jobs from before retries existed were due when they were made.
    op.execute("UPDATE print_job SET next_attempt_at = created_at")
    with op.batch_alter_table('print_job', schema=None) as batch_op:
        batch_op.alter_column('next_attempt_at', existing_type=server.models.UTCDateTime(), nullable=False)

    with op.batch_alter_table('site', schema=None) as batch_op:
        batch_op.add_column(sa.Column('ticket_header_fi', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('ticket_header_sv', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('ticket_header_en', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('ticket_footer_fi', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('ticket_footer_sv', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('ticket_footer_en', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('ticket_logo', sa.LargeBinary(), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('site', schema=None) as batch_op:
        batch_op.drop_column('ticket_logo')
        batch_op.drop_column('ticket_footer_en')
        batch_op.drop_column('ticket_footer_sv')
        batch_op.drop_column('ticket_footer_fi')
        batch_op.drop_column('ticket_header_en')
        batch_op.drop_column('ticket_header_sv')
        batch_op.drop_column('ticket_header_fi')

    with op.batch_alter_table('print_job', schema=None) as batch_op:
        batch_op.drop_constraint('print_job_requested_by_fkey', type_='foreignkey')
        batch_op.drop_constraint('print_job_printer_id_fkey', type_='foreignkey')
        batch_op.drop_index('ix_print_job_due')
        batch_op.drop_column('printed_at')
        batch_op.drop_column('sent_at')
        batch_op.drop_column('next_attempt_at')
        batch_op.drop_column('estimated_wait_min')
        batch_op.drop_column('people_ahead')
        batch_op.drop_column('requested_by')
        batch_op.drop_column('reprint')
        batch_op.drop_column('printer_id')

    with op.batch_alter_table('device', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_device_site_id'))

    op.drop_table('device')
    with op.batch_alter_table('printer', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_printer_site_id'))

    op.drop_table('printer')
