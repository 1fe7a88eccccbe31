"""The demo site: a city hall's one-stop customer service with realistic services."""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session, select

from server.demo_matters import MATTERS
from server.models import (AppointmentHours, Counter, Department, Device, Matter, MatterSite, Printer, Service,
                           Site, StaffUser)
from server.staff import hash_password

SITE = {"slug": "demo", "name": "Kaupungintalon asiakaspalvelu", "name_sv": "Stadshusets kundtjänst",
        "name_en": "City Hall customer service", "address": "Keskuskatu 1\n00100 Kaupunki",
        "phone": "09 310 12345", "timezone": "Europe/Helsinki"}

# code, prefix, Finnish, Swedish, English, tier, typical minutes per customer.
# Building control is the expert tier: its clerks record an outcome for every visit.
SERVICES = [
    ("advice", "A", "Yleisneuvonta", "Allmän rådgivning", "General advice", "generalist", 5),
    ("housing", "B", "Asuminen ja asumisneuvonta", "Boende och bostadsrådgivning", "Housing", "generalist", 10),
    ("building", "C", "Rakennusvalvonta", "Byggnadstillsyn", "Building control", "expert", 15),
    ("early-education", "D", "Varhaiskasvatus", "Småbarnspedagogik", "Early childhood education", "generalist", 8),
    ("payments", "E", "Maksut ja laskut", "Betalningar och fakturor", "Payments and invoices", "generalist", 6),
    ("e-services", "F", "Sähköisen asioinnin tuki", "Hjälp med e-tjänster", "Help with e-services", "generalist", 7),
]
COUNTERS = ["1", "2", "3", "4", "5", "6"]
# Services that take appointments (the booking pages, /b/demo): seats and slot minutes, taken
# Monday to Friday 9–15.
BOOKABLE = {"advice": (2, 20), "housing": (1, 20)}
BOOKING_WEEKDAYS, BOOKING_OPENS, BOOKING_CLOSES = range(5), time(9), time(15)
# Services a citizen may join from a phone (/j/demo), as server/remote.py allows.
REMOTE = {"advice", "housing", "payments"}
KIOSK = "kiosk-1"  # the demo's one kiosk and its printer share this name
USERS = [
    ("admin", "Anna Admin", "admin"),
    ("clerk", "Kalle Virkailija", "clerk"),
    ("expert", "Eeva Asiantuntija", "expert"),
    ("manager", "Maija Esihenkilö", "manager"),
]
# Where service requests are routed (code, Finnish, Swedish, English); the demo expert works for the first.
DEPARTMENTS = [
    ("building-control", "Rakennusvalvonta", "Byggnadstillsyn", "Building control"),
    ("social-services", "Sosiaalipalvelut", "Socialtjänster", "Social services"),
    ("technical-services", "Tekniset palvelut", "Tekniska tjänster", "Technical services"),
    ("early-education", "Varhaiskasvatus", "Småbarnspedagogik", "Early childhood education"),
]
USER_DEPARTMENTS = {"expert": "building-control"}


def seed_demo(session: Session, password: str) -> Site:
    """Creates the demo site, or resets the demo users' password if it exists; adds the demo catalogue's
    matters it lacks. Idempotent."""
    site = session.exec(select(Site).where(Site.slug == SITE["slug"])).first()
    if site is None:
        site = Site(**SITE)
        session.add(site)
        session.flush()
        services = []
        for position, (code, prefix, fi, sv, en, tier, minutes) in enumerate(SERVICES):
            seats, slot_min = BOOKABLE.get(code, (0, 20))
            services.append(Service(site_id=site.id, code=code, prefix=prefix, name_fi=fi, name_sv=sv,
                                    name_en=en, tier=tier, service_min=minutes, position=position,
                                    outcome_required=tier == "expert", appointment_seats=seats, slot_min=slot_min,
                                    remote_join=code in REMOTE))
        session.add_all(services)
        session.add_all(Counter(site_id=site.id, number=number) for number in COUNTERS)
        session.flush()
        session.add_all(AppointmentHours(service_id=service.id, weekday=weekday, opens=BOOKING_OPENS,
                                         closes=BOOKING_CLOSES)
                        for service in services if service.appointment_seats for weekday in BOOKING_WEEKDAYS)
    departments = {}
    for code, fi, sv, en in DEPARTMENTS:
        department = session.exec(select(Department).where(Department.code == code)).first()
        if department is None:
            department = Department(code=code, name_fi=fi, name_sv=sv, name_en=en)
            session.add(department)
            session.flush()
        departments[code] = department
    for username, display_name, role in USERS:
        user = session.exec(select(StaffUser).where(StaffUser.username == username)).first()
        if user is None:
            user = StaffUser(username=username, display_name=display_name, role=role, password_hash="",
                             demo=True)
            if username in USER_DEPARTMENTS:
                user.department_id = departments[USER_DEPARTMENTS[username]].id
        user.password_hash = hash_password(password)
        session.add(user)
    seed_matters(session, site)
    return site


def seed_matters(session: Session, site: Site) -> int:
    """Adds the demo catalogue's matters (server/demo_matters.py) that are not there yet, by key, offered
    at ``site``; returns how many. A matter that is there is left alone: an admin may have edited it, or
    the sites that offer it."""
    existing = set(session.exec(select(Matter.key)))
    new = [Matter(**fields) for fields in MATTERS if fields["key"] not in existing]
    session.add_all(new)
    session.flush()
    session.add_all(MatterSite(matter_id=matter.id, site_id=site.id) for matter in new)
    return len(new)


def set_demo_printer(session: Session, connection: str, profile: str) -> Printer | None:
    """Points the demo kiosk's printer at ``connection`` (LUUKKU_DEMO_PRINTER), creating it if needed."""
    site = session.exec(select(Site).where(Site.slug == SITE["slug"])).first()
    if site is None:
        return None
    printer = session.exec(select(Printer).where(Printer.site_id == site.id, Printer.name == KIOSK)).first()
    if printer is None:
        printer = Printer(site_id=site.id, name=KIOSK, connection=connection, profile=profile)
    elif (printer.connection, printer.profile) != (connection, profile):
        printer.connection, printer.profile, printer.condition = connection, profile, "unknown"
    session.add(printer)
    session.flush()
    device = session.exec(select(Device).where(Device.site_id == site.id, Device.name == KIOSK)).first()
    if device is None:
        session.add(Device(site_id=site.id, kind="kiosk", name=KIOSK, printer_id=printer.id))
    return printer


def ensure_demo_printer(db, connection: str, profile: str) -> None:
    """``set_demo_printer`` in its own transaction, as each worker does at start: workers starting
    together may both try to create the printer; the one that loses finds it on its second try."""
    import sqlalchemy as sa

    for attempt in (1, 2):
        try:
            with db.write() as session:
                set_demo_printer(session, connection, profile)
            return
        except sa.exc.IntegrityError:
            if attempt == 2:
                raise


HISTORY_DAYS = 28  # the weekdays of the past four weeks
HISTORY_SCALE = 0.2  # of a busy day's arrivals (server/simulate.py): about 35 visits a day


def add_history(db, now: datetime, days: int = HISTORY_DAYS, scale: float = HISTORY_SCALE) -> int:
    """Simulated visits on the weekdays of the past ``days`` days, so the reports have something to
    show; a share of them linked to fictional customers, and a service request for some of those.
    Done once: nothing happens if the demo site has any ticket from before today. Returns the
    number of days filled."""
    import sqlalchemy as sa

    from server import queue, simulate
    from server.models import ServiceRequest, Ticket

    with db.write() as session:
        site = session.exec(select(Site).where(Site.slug == SITE["slug"])).first()
        if site is None:
            return 0
        today = queue.local_day(site, now)
        midnight = datetime.combine(today, time(0), tzinfo=ZoneInfo(site.timezone))
        past = session.execute(sa.select(sa.func.count()).select_from(Ticket).where(
            Ticket.site_id == site.id, Ticket.issued_at < midnight)).scalar_one()
        if past:
            return 0
        staff = simulate.ensure_staff(session)
        customer_ids = simulate.ensure_customers(session, now - timedelta(days=days + 1))
    filled = 0
    for back in range(days, 0, -1):
        day = today - timedelta(days=back)
        if day.weekday() >= 5:
            continue
        # Mondays short-staffed, so that the reports have queues to show.
        desks = simulate.SHORT_STAFFED if day.weekday() == 0 else simulate.TWO_GENERALISTS
        plan = simulate.plan_day(day.toordinal(), day, site.timezone, scale=scale, desks=desks)
        with db.write() as session:
            site = session.get(Site, site.id)
            tickets = simulate.run_day(session, site, plan, staff, customer_ids)
            for visit in plan.visits:
                last = visit.periods[-1]
                if visit.customer is None or last.outcome != "service_request":
                    continue
                closed = last.ended_at + timedelta(days=2) if visit.key % 2 else None
                closed = closed if closed and closed < now else None
                session.add(ServiceRequest(
                    site_id=site.id, customer_id=customer_ids[visit.customer], ticket_id=tickets[visit.key].id,
                    service_id=tickets[visit.key].service_id, subject="Demo: selvitettävä asia",
                    status="closed" if closed else "open", due_on=day + timedelta(days=7),
                    created_at=last.ended_at, updated_at=closed or last.ended_at, closed_at=closed))
        filled += 1
    return filled
