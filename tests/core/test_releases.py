"""Fair release of booking times (issue 22), with a fake clock: days closed until the opening, passes
drawn at random before it and behind everyone after it, let in by rank at the release's pace, a
limit of passes per address, and the passes' retention. SQLite and PostgreSQL."""

from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from server import booking, housekeeping, queue, releases
from server.config import FieldErrors
from server.errors import Conflict
from server.models import AuditLog, LobbyPass

HELSINKI = ZoneInfo("Europe/Helsinki")
# A Monday well ahead (the demo books Monday to Friday 9–15); the clock of these tests is Monday a week
# before, 7.00 in Helsinki, and the times open at 8.00.
NOW = datetime.combine(date.today() + timedelta(days=14 - date.today().weekday()), time(7),
                       tzinfo=HELSINKI).astimezone(timezone.utc) - timedelta(days=7)
OPENS = NOW + timedelta(hours=1)
MONDAY = (NOW + timedelta(days=7)).astimezone(HELSINKI).date()


def make(db, pace: int = 60, service: str = "advice", first: date = MONDAY, last: date | None = None,
         opens: datetime = OPENS) -> releases.Release:
    local = opens.astimezone(HELSINKI)
    with db.write() as session:
        made = releases.create(session, "demo", service, first.isoformat(), (last or first).isoformat(),
                               local.date().isoformat(), local.strftime("%H:%M"), str(pace), staff_user_id=None,
                               now=NOW)
        release_id = made.id
    with db.read() as session:
        return next(r for r in releases.releases(session) if r.id == release_id)


def passes(db, release, count: int, now: datetime = NOW, requester: str = "") -> list[LobbyPass]:
    """``count`` passes from as many addresses (or one), a millisecond apart from ``now``."""
    made = []
    for i in range(count):
        with db.write() as session:
            made.append(releases.new_pass(session, release, requester or f"address-{i}",
                                          now + timedelta(milliseconds=i)))
    with db.read() as session:
        releases.forget_cache(session)
    return made


def place_of(db, release, lobby_pass, now) -> int:
    with db.read() as session:
        return releases.place(session, release, lobby_pass.rank, now)


def test_the_days_of_a_release_cannot_be_booked_until_it_opens(db):
    make(db)
    with db.read() as session:
        site = queue.get_site(session, "demo")
        advice = queue.get_service(session, site, "advice")
        housing = queue.get_service(session, site, "housing")
        assert booking.day_slots(session, site, advice, MONDAY, NOW) == []
        assert booking.day_slots(session, site, housing, MONDAY, NOW) != []  # another service books as usual
        assert booking.day_slots(session, site, advice, MONDAY + timedelta(days=1), NOW) != []
        assert booking.day_slots(session, site, advice, MONDAY, OPENS) != []
    nine = datetime.combine(MONDAY, time(9), tzinfo=HELSINKI).astimezone(timezone.utc)
    with pytest.raises(Conflict, match="These times open on"), db.write() as session:
        booking.hold(session, "demo", "advice", nine, now=OPENS - timedelta(seconds=1))
    with db.write() as session:
        assert booking.hold(session, "demo", "advice", nine, now=OPENS).status == "held"


def test_a_hold_made_before_the_release_cannot_be_booked_before_it_opens(db):
    nine = datetime.combine(MONDAY, time(9), tzinfo=HELSINKI).astimezone(timezone.utc)
    with db.write() as session:
        held = booking.hold(session, "demo", "advice", nine, now=NOW - timedelta(minutes=2)).public_id
    make(db)
    with pytest.raises(Conflict, match="These times open on"), db.write() as session:
        booking.confirm(session, held, name="Maija", email="maija@example.fi", consent=True, now=NOW)


def test_passes_are_let_in_in_random_order_at_the_pace(db):
    release = make(db, pace=60)  # one a second
    made = passes(db, release, 40)
    places = [place_of(db, release, p, OPENS) for p in made]
    assert sorted(places) == list(range(40))
    assert places != list(range(40))  # drawn, not first come first served (1 in 40! to fail by chance)
    for seconds in (0, 9.5, 39):
        now = OPENS + timedelta(seconds=seconds)
        due = [p for p, place in zip(made, places) if now >= release.due_at(place)]
        assert len(due) == int(seconds) + 1
    assert release.due_at(10) == OPENS + timedelta(seconds=10)


def test_reloading_keeps_the_place_and_a_pass_after_the_draw_goes_behind_everyone(db):
    release = make(db, pace=30)
    early = passes(db, release, 20)
    before = {p.id: place_of(db, release, p, NOW) for p in early}
    late = passes(db, release, 3, now=OPENS - timedelta(seconds=releases.FREEZE_S))
    later = passes(db, release, 1, now=OPENS + timedelta(minutes=5))
    after = {p.id: place_of(db, release, p, OPENS) for p in early + late + later}
    assert {i: after[i] for i in before} == before  # the late ones took no one's place
    assert [after[p.id] for p in late + later] == [20, 21, 22, 23]  # behind, in the order they came
    assert release.due_at(after[later[0].id]) == OPENS + timedelta(seconds=23 * 2)


def test_one_address_gets_a_few_passes_and_no_more(db):
    release = make(db)
    passes(db, release, releases.PASSES_PER_ADDRESS, requester="one-router")
    with pytest.raises(releases.TooManyPasses), db.write() as session:
        releases.new_pass(session, release, "one-router", NOW)
    passes(db, release, 1, requester="another")


def test_a_pass_is_let_in_once_and_for_a_bounded_time(db):
    release = make(db)
    [lobby_pass] = passes(db, release, 1)
    with db.write() as session:
        first = releases.admit(session, lobby_pass.id, OPENS)
    with db.write() as session:
        again = releases.admit(session, lobby_pass.id, OPENS + timedelta(minutes=3))
        assert releases.admit(session, "no-such-pass", OPENS) is None
    assert first == again == OPENS
    assert releases.admission_ends(first) == OPENS + timedelta(minutes=releases.ADMISSION_MIN)


def test_the_lobby_steps_aside_once_every_pass_has_had_its_time(db):
    release = make(db, pace=10)
    passes(db, release, 5)
    with db.read() as session:
        assert releases.in_effect(session, "demo", "advice", MONDAY, NOW) == release
        assert releases.in_effect(session, "demo", "advice", MONDAY, OPENS + timedelta(seconds=29)) == release
        # A minute's grace for the last ones' polls; then the days book as any other.
        assert releases.in_effect(session, "demo", "advice", MONDAY, OPENS + timedelta(seconds=89)) == release
        assert releases.in_effect(session, "demo", "advice", MONDAY, OPENS + timedelta(seconds=90)) is None
        assert releases.in_effect(session, "demo", "advice", MONDAY + timedelta(days=1), NOW) is None
        assert releases.in_effect(session, "demo", "housing", MONDAY, NOW) is None


def test_a_cancelled_release_frees_its_days_at_once(db):
    release = make(db)
    with db.write() as session:
        releases.cancel(session, release.id, staff_user_id=None, now=NOW)
    with db.read() as session:
        site = queue.get_site(session, "demo")
        assert booking.day_slots(session, site, queue.get_service(session, site, "advice"), MONDAY, NOW) != []
        actions = session.execute(sa.select(AuditLog.action).where(AuditLog.target == f"release:{release.id}"))
        assert sorted(actions.scalars()) == ["release.cancelled", "release.created"]


def test_the_form_is_refused_with_every_mistake(db):
    with pytest.raises(FieldErrors) as refused, db.write() as session:
        releases.create(session, "demo", "advice", "2027-13-01", MONDAY.isoformat(), "tomorrow", "8", "0",
                        staff_user_id=None, now=NOW)
    assert set(refused.value.errors) == {"first_day", "opens_day", "opens_time", "pace"}
    with pytest.raises(FieldErrors) as refused, db.write() as session:
        releases.create(session, "demo", "advice", MONDAY.isoformat(), (MONDAY - timedelta(days=1)).isoformat(),
                        (NOW - timedelta(days=1)).astimezone(HELSINKI).date().isoformat(), "08:00", "60",
                        staff_user_id=None, now=NOW)
    assert set(refused.value.errors) == {"last_day", "opens_time"}


def test_passes_are_deleted_some_days_after_their_release_opened(db):
    release = make(db)
    passes(db, release, 3)
    assert housekeeping.forget_lobby_passes(db, OPENS + timedelta(days=releases.RETENTION_DAYS - 1)) == 0
    assert housekeeping.forget_lobby_passes(db, OPENS + timedelta(days=releases.RETENTION_DAYS, minutes=1)) == 3
    with db.read() as session:
        assert session.execute(sa.select(sa.func.count()).select_from(LobbyPass)).scalar_one() == 0
