"""The audit log: every time staff look at or change a customer's data, what the retention job
erased, and staff logins, failed logins, lockouts, logouts and session timeouts (server/logins.py). Rows are only
ever added; they hold ids and counts, never the personal data itself."""

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session, select

from server.models import AuditLog, utcnow


def record(session: Session, staff_user_id: int | None, action: str, *, customer_id: int | None = None,
           target: str = "", detail: str = "", at: datetime | None = None) -> AuditLog:
    entry = AuditLog(at=at or utcnow(), staff_user_id=staff_user_id, action=action, customer_id=customer_id,
                     target=target, detail=detail[:1000])
    session.add(entry)
    return entry


def record_views(session: Session, staff_user_id: int, action: str, customer_ids, **kw) -> None:
    """One row per customer shown: "who has seen this person's data" is then one indexed query."""
    if not customer_ids:
        return
    at = kw.get("at") or utcnow()
    session.execute(sa.insert(AuditLog), [
        {"at": at, "staff_user_id": staff_user_id, "action": action, "customer_id": cid,
         "target": kw.get("target", ""), "detail": kw.get("detail", "")}
        for cid in dict.fromkeys(customer_ids)
    ])


def entries(session: Session, *, customer_id: int | None = None, staff_user_id: int | None = None,
            action: str | None = None, start: datetime | None = None, end: datetime | None = None,
            limit: int = 200, offset: int = 0) -> list[AuditLog]:
    """The newest first; ``start`` and ``end`` bound ``at`` (end excluded)."""
    query = select(AuditLog).order_by(AuditLog.id.desc()).limit(limit).offset(offset)
    if start is not None:
        query = query.where(AuditLog.at >= start)
    if end is not None:
        query = query.where(AuditLog.at < end)
    if customer_id is not None:
        query = query.where(AuditLog.customer_id == customer_id)
    if staff_user_id is not None:
        query = query.where(AuditLog.staff_user_id == staff_user_id)
    if action is not None:
        query = query.where(AuditLog.action == action)
    return list(session.exec(query))
