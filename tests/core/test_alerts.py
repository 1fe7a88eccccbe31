"""The managers' alerts (issue 21, server/alerts.py) on SQLite and PostgreSQL: raised once, kept up to
date, cleared by themselves, each raise and clear a staff-only event; two workers checking at once
open one alert; "past closing" reckoned at the replay's pace against the opening hours."""

import json
import threading
from datetime import time, timedelta

import anyio
import pytest
from sqlmodel import select

from server import alerts, counters, events, hours, housekeeping, i18n, message_texts, queue
from server.db import Database
from server.errors import Invalid
from server.messenger import Messenger
from server.models import Event, Message, ServiceAlert
from tests.core.test_messenger import settings
from tests.core.test_queue import add_clerks, issue, open_counters, utc
from tests.fakes.smsc import FakeHttpGateway

NOW = utc("2026-05-11T07:00:00")  # Monday 10.00 in Helsinki


def check(db, now):
    with db.write() as session:
        done = alerts.check(session, queue.get_site(session, "demo"), now)
        return {k: [(a.kind, a.waiting, a.longest_min) for a in v] for k, v in done.items()}


def stored(db) -> list[ServiceAlert]:
    with db.read() as session:
        return list(session.exec(select(ServiceAlert).order_by(ServiceAlert.id)))


def alert_events(db) -> list[dict]:
    with db.read() as session:
        rows = session.exec(select(Event).where(Event.type.in_(("service.alert", "service.alert_cleared")))
                            .order_by(Event.seq))
        return [json.loads(e.data) for e in rows]


def test_over_target_is_raised_once_kept_up_to_date_and_clears_itself(db):
    # Housing's target is 15 minutes (the model's default); the demo has no opening hours.
    first = issue(db, "housing", now=NOW).ticket
    issue(db, "housing", now=NOW + timedelta(minutes=2))
    assert check(db, NOW + timedelta(minutes=15)) == {"raised": [], "cleared": []}
    assert check(db, NOW + timedelta(minutes=16)) == {"raised": [("over_target", 2, 16)], "cleared": []}
    # The minute job again, and again later: no second alert, the figures follow.
    assert check(db, NOW + timedelta(minutes=16)) == {"raised": [], "cleared": []}
    assert housekeeping.check_alerts(db, NOW + timedelta(minutes=25)) == 0
    [alert] = stored(db)
    assert (alert.kind, alert.waiting, alert.longest_min, alert.target_min, alert.cleared_at) == (
        "over_target", 2, 25, 15, None)
    assert alert.started_at == NOW + timedelta(minutes=16)
    [raised] = alert_events(db)
    assert raised["type"] == "service.alert" and raised["audience"] == "staff"
    assert raised["alert"] == {"id": alert.id, "service": "housing", "kind": "over_target", "waiting": 2,
                               "longest_min": 16, "target_min": 15}
    assert not events.is_public(raised)  # kept off the displays, kiosks and the public API
    # The first customer is called: the other has waited 24 minutes, still over.
    [clerk] = add_clerks(db, 1)
    [counter_id] = open_counters(db, [clerk], services=("housing",))
    with db.write() as session:
        assert counters.call_next(session, counter_id, clerk, now=NOW + timedelta(minutes=26))[0].id == first.id
    assert check(db, NOW + timedelta(minutes=26)) == {"raised": [], "cleared": []}
    with db.write() as session:
        counters.start_serving(session, first.public_id, clerk, now=NOW + timedelta(minutes=26))
        counters.finish_and_call_next(session, first.public_id, clerk, now=NOW + timedelta(minutes=27))
    assert check(db, NOW + timedelta(minutes=27)) == {"raised": [], "cleared": [("over_target", 1, 24)]}
    [alert] = stored(db)
    assert alert.cleared_at == NOW + timedelta(minutes=27)
    assert [e["type"] for e in alert_events(db)] == ["service.alert", "service.alert_cleared"]
    assert not any(events.is_public(e) for e in alert_events(db))
    # A new wait past the target later is a new alert.
    issue(db, "housing", now=NOW + timedelta(minutes=30))
    assert check(db, NOW + timedelta(minutes=46))["raised"] == [("over_target", 1, 16)]
    assert [a.cleared_at is None for a in stored(db)] == [False, True]
    # The reports count them per service and kind, and their minutes open (the open one until now).
    with db.read() as session:
        site = queue.get_site(session, "demo")
        housing = queue.get_service(session, site, "housing")
        counted = alerts.counted(session, site.id, NOW - timedelta(hours=1), NOW + timedelta(hours=9), None,
                                 now=NOW + timedelta(minutes=50))
        assert counted[(housing.id, "over_target")] == alerts.Counted(2, 11 + 4)
        assert counted[(None, None)] == counted[(housing.id, None)] == alerts.Counted(2, 15)
        assert alerts.counted(session, site.id, NOW + timedelta(minutes=40), NOW + timedelta(hours=9), None,
                              now=NOW + timedelta(minutes=50))[(None, None)] == alerts.Counted(1, 4)


def test_past_closing_at_the_pace_of_the_open_counters(db):
    # Open 8–16; at 15.30 half an hour is left. One counter serves advice, 5 minutes a customer
    # (no one finished today yet): six customers are served by 16.00, the seventh is not.
    with db.write() as session:
        hours.set_weekly_hours(session, queue.get_site(session, "demo"), {d: (time(8), time(16)) for d in range(5)})
    at_half_past_three = utc("2026-05-11T12:30:00")
    clerk, other = add_clerks(db, 2)
    open_counters(db, [clerk], services=("advice",))
    for n in range(6):
        issue(db, "advice", now=at_half_past_three - timedelta(minutes=1))
    with db.read() as session:
        site = queue.get_site(session, "demo")
        assert alerts.minutes_to_closing(session, site, at_half_past_three) == 30
        assert alerts.minutes_to_closing(session, site, utc("2026-05-11T13:00:00")) is None  # closed
        assert alerts.minutes_to_closing(session, site, utc("2026-05-16T09:00:00")) is None  # Saturday
    assert check(db, at_half_past_three) == {"raised": [], "cleared": []}
    issue(db, "advice", now=at_half_past_three - timedelta(minutes=1))
    assert check(db, at_half_past_three) == {"raised": [("past_closing", 7, 1)], "cleared": []}
    # A second counter for advice: the queue is done by 15.50 and the alert goes.
    with db.read() as session:
        second = queue.site_counters(session, queue.get_site(session, "demo"))[1]
    with db.write() as session:
        counters.open_counter(session, second.id, other, ["advice"])
    assert check(db, at_half_past_three + timedelta(minutes=1)) == {"raised": [], "cleared": [("past_closing", 7, 1)]}


def test_two_workers_checking_at_once_open_one_alert(db):
    """Worker A has decided to raise the alert and holds its transaction open; worker B, another
    process's connection (its own Database, so not SQLite's in-process lock), checks meanwhile. B waits
    for A and then finds A's alert: one alert, one event."""
    issue(db, "housing", now=NOW)
    when = NOW + timedelta(minutes=20)
    other = Database(db.url)
    a_decided, a_may_commit, b_done = threading.Event(), threading.Event(), threading.Event()
    results = {}

    def worker_a():
        with db.write() as session:
            results["a"] = alerts.check(session, queue.get_site(session, "demo"), when)["raised"]
            a_decided.set()
            a_may_commit.wait(30)

    def worker_b():
        with other.write() as session:
            results["b"] = alerts.check(session, queue.get_site(session, "demo"), when)["raised"]
        b_done.set()

    a = threading.Thread(target=worker_a)
    a.start()
    assert a_decided.wait(30)
    b = threading.Thread(target=worker_b)
    b.start()
    try:
        assert not b_done.wait(1.0), "B went ahead while A's alert was not yet committed"
    finally:
        a_may_commit.set()
        a.join(30)
        b.join(30)
        other.dispose()
    assert (len(results["a"]), len(results["b"])) == (1, 0)
    assert len(stored(db)) == 1
    assert [e["type"] for e in alert_events(db)] == ["service.alert"]


def test_the_staff_contacts_get_one_message_per_alert_raised(db, tmp_path):
    contacts = alerts.parse_contacts(" esihenkilo@example.fi, 040 123 4567 ,", "fi")
    assert contacts == [("email", "esihenkilo@example.fi", "fi"), ("sms", "+358401234567", "fi")]
    with pytest.raises(Invalid):
        alerts.parse_contacts("12", "fi")
    issue(db, "housing", now=NOW)
    issue(db, "advice", now=NOW - timedelta(minutes=20))
    with db.write() as session:  # the setting off: no messages
        alerts.check(session, queue.get_site(session, "demo"), NOW + timedelta(minutes=6))
    for minutes in (16, 17, 18):  # housing over its 15 minutes: raised once, told once
        with db.write() as session:
            alerts.check(session, queue.get_site(session, "demo"), NOW + timedelta(minutes=minutes), contacts)
    with db.read() as session:
        sent = list(session.exec(select(Message).order_by(Message.channel)))
        [advice_alert, housing_alert] = sorted(stored(db), key=lambda a: a.started_at)
    assert advice_alert.notified_at is None  # raised with the setting off
    assert housing_alert.notified_at == NOW + timedelta(minutes=16)
    assert [(m.kind, m.channel, m.address) for m in sent] == [
        ("alert", "email", "esihenkilo@example.fi"), ("alert", "sms", "+358401234567")]
    title, body = message_texts.render("alert", "en", json.loads(sent[1].params), None)
    assert body == "Kaupungintalon asiakaspalvelu: B: 1 waiting, longest 16 min, target 15: open another counter?"
    # Sent for real through the local HTTP SMS gateway, in the contact's language.
    with FakeHttpGateway() as gateway:
        anyio.run(Messenger(db, settings(tmp_path, sms_gateway=gateway.url)).send_due, NOW + timedelta(minutes=18))
    assert [r["body"]["text"] for r in gateway.requests] == [
        "Kaupungintalon asiakaspalvelu: " + i18n.gettext("fi", alerts.WORDS["over_target"], prefix="B", waiting=1,
                                                         longest=16, target=15)]
