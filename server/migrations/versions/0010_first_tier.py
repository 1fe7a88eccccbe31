"""first tier: the catalogue of matters, their sites, and what the guide did

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06 07:15:52.189506
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel
import server.models


revision: str = '0010'
down_revision: Union[str, None] = '0009'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table('matter',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
    sa.Column('title_fi', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('title_sv', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('title_en', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('keywords_fi', sa.Text(), nullable=False),
    sa.Column('keywords_sv', sa.Text(), nullable=False),
    sa.Column('keywords_en', sa.Text(), nullable=False),
    sa.Column('answer_fi', sa.Text(), nullable=False),
    sa.Column('answer_sv', sa.Text(), nullable=False),
    sa.Column('answer_en', sa.Text(), nullable=False),
    sa.Column('bring_fi', sa.Text(), nullable=False),
    sa.Column('bring_sv', sa.Text(), nullable=False),
    sa.Column('bring_en', sa.Text(), nullable=False),
    sa.Column('steps_fi', sa.Text(), nullable=False),
    sa.Column('steps_sv', sa.Text(), nullable=False),
    sa.Column('steps_en', sa.Text(), nullable=False),
    sa.Column('eservice_url_fi', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('eservice_url_sv', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('eservice_url_en', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('service_code', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
    sa.Column('book', sa.Boolean(), nullable=False),
    sa.Column('topic_position', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('ptv_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('ptv_values', sa.Text(), nullable=False),
    sa.Column('created_at', server.models.UTCDateTime(), nullable=False),
    sa.Column('updated_at', server.models.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('key'),
    sa.UniqueConstraint('ptv_id')
    )
    op.create_table('guide_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('at', server.models.UTCDateTime(), nullable=False),
    sa.Column('channel', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('matter_id', sa.Integer(), nullable=True),
    sa.Column('lang', sqlmodel.sql.sqltypes.AutoString(length=2), nullable=False),
    sa.Column('query', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
    sa.ForeignKeyConstraint(['matter_id'], ['matter.id'], ),
    sa.ForeignKeyConstraint(['site_id'], ['site.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('guide_event', schema=None) as batch_op:
        batch_op.create_index('ix_guide_event_site_at', ['site_id', 'at'], unique=False)

    op.create_table('matter_site',
    sa.Column('matter_id', sa.Integer(), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['matter_id'], ['matter.id'], ),
    sa.ForeignKeyConstraint(['site_id'], ['site.id'], ),
    sa.PrimaryKeyConstraint('matter_id', 'site_id')
    )


def downgrade() -> None:
    op.drop_table('matter_site')
    with op.batch_alter_table('guide_event', schema=None) as batch_op:
        batch_op.drop_index('ix_guide_event_site_at')

    op.drop_table('guide_event')
    op.drop_table('matter')
