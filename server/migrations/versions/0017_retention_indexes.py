"""indexes for the housekeeping jobs: the appointments to come by state, and partial indexes of the rows
whose personal data retention has still to clear (issue 24)

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07 10:50:00
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op


revision: str = '0017'
down_revision: Union[str, None] = '0016'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

# name, table, columns, the rows it holds (as in server/models.py, where the jobs' statements match them)
STILL_KEPT = [
    ('ix_ticket_noted', 'ticket', ['issued_at'], "note IS NOT NULL"),
    ('ix_event_private', 'event', ['ticket_id'], "private IS NOT NULL"),
    ('ix_appointment_personal', 'appointment', ['starts_at'],
     "name != '' OR phone != '' OR email != '' OR message != '' OR requester != ''"),
    ('ix_message_personal', 'message', ['state', 'updated_at'], "address != '' OR params != '{}'"),
    ('ix_customer_named', 'customer', ['last_contact_at'], "anonymized_at IS NULL"),
    ('ix_service_request_texts', 'service_request', ['status', 'closed_at'], "subject != '' OR description != ''"),
    ('ix_service_request_action_text', 'service_request_action', ['request_id'], "text != ''"),
    ('ix_guide_event_query', 'guide_event', ['at'], '"query" IS NOT NULL'),
    ('ix_feedback_comment', 'feedback', ['at'], "comment != ''"),
]


def upgrade() -> None:
    op.create_index('ix_appointment_state', 'appointment', ['status', 'starts_at'], unique=False)
    for name, table, columns, where in STILL_KEPT:
        op.create_index(name, table, columns, unique=False,
                        sqlite_where=sa.text(where), postgresql_where=sa.text(where))


def downgrade() -> None:
    for name, table, _, _ in reversed(STILL_KEPT):
        op.drop_index(name, table_name=table)
    op.drop_index('ix_appointment_state', table_name='appointment')
