"""The audit log page for admins (/counter/audit): who logged in or failed to, who was locked out or
timed out, and who looked at or changed which customer's data. Rows name staff; customers only by
their id."""

from datetime import date, datetime, time, timedelta
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from sqlmodel import select
from starlette.requests import Request
from starlette.routing import Route

from counter.customers import AUDIT_LABELS as CUSTOMER_AUDIT_LABELS
from counter.routes import login_required
from server import audit, i18n, queue
from server.db import run_read
from server.errors import Invalid, N_
from server.models import AuditLog, StaffUser
from server.web import pages

PER_PAGE = 50
AUDIT_LABELS = {
    **CUSTOMER_AUDIT_LABELS,
    "login": N_("Logged in"),
    "login.failed": N_("Failed login"),
    "login.locked": N_("Username locked after failed logins"),
    "login.throttled": N_("Address refused after failed logins"),
    "logout": N_("Logged out"),
    "session.idle": N_("Logged out after inactivity"),
    "session.expired": N_("Logged out at the session's time limit"),
    "directory.create": N_("Account created from the directory"),
    "directory.role": N_("Role changed by the directory"),
    "directory.refused": N_("Directory sign-in refused"),
    "directory.mapping": N_("Directory group mapped"),
    "directory.mapping_removed": N_("Directory group mapping removed"),
}


def _int(text: str | None, message: str) -> int | None:
    if not text or not text.strip():
        return None
    try:
        return int(text)
    except ValueError:
        raise Invalid(message) from None


def _day(text: str | None) -> date | None:
    if not text or not text.strip():
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise Invalid(N_("Write the day as YYYY-MM-DD, e.g. 2027-03-22.")) from None


def _audit_page(session, who: int | None, action: str | None, day: date | None, page: int) -> dict:
    sites = queue.all_sites(session)
    tz = sites[0].timezone if sites else "Europe/Helsinki"  # the organisation's log: the first site's zone
    start = end = None
    if day is not None:  # the day on the service point's calendar
        start = datetime.combine(day, time(), ZoneInfo(tz))
        end = datetime.combine(day + timedelta(days=1), time(), ZoneInfo(tz))
    rows = audit.entries(session, staff_user_id=who, action=action, start=start, end=end,
                         limit=PER_PAGE + 1, offset=(page - 1) * PER_PAGE)
    staff_users = list(session.exec(select(StaffUser).order_by(StaffUser.display_name)))
    actions = sorted(set(AUDIT_LABELS) | set(session.exec(select(AuditLog.action).distinct())))
    return {"entries": rows[:PER_PAGE], "more": len(rows) > PER_PAGE, "tz": tz,
            "names": {u.id: u.display_name for u in staff_users}, "staff_users": staff_users,
            "actions": actions}


async def audit_page(request: Request):
    params = request.query_params
    who = _int(params.get("who"), N_("Choose a person from the list."))
    action = (params.get("action") or "").strip()[:60] or None
    day = _day(params.get("day"))
    page = max(1, _int(params.get("page"), N_("The page must be a whole number.")) or 1)
    context = await run_read(request.app.state.db, _audit_page, who, action, day, page)
    filters = {"who": who or "", "action": action or "", "day": day.isoformat() if day else ""}

    def page_link(number: int) -> str:
        return "/counter/audit?" + urlencode({**filters, "page": number})

    context.update(user=request.state.user, site=None, audit_labels=AUDIT_LABELS, local_time=i18n.local_time,
                   who=who, action=action, day=filters["day"], page=page,
                   previous_link=page_link(page - 1) if page > 1 else None,
                   next_link=page_link(page + 1) if context["more"] else None)
    return pages.render(request, "audit.html", context)


routes = [Route("/counter/audit", login_required(audit_page, role="admin"))]
