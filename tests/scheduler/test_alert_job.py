"""The send-alerts job hands the clock's ``now`` to the real alert sender: a digest goes out at
its time in its watch's time zone, once."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

from sqlalchemy import select

from jobs.alerts import deliver_outbox, send_alerts
from jobs.clock import ManualClock
from jobs.context import JobContext
from settings.config import AppConfig
from storage import Database
from storage.models import Alert
from tests.scheduler.doubles import add_alert
from watches.spec import Delivery

MakeContext = Callable[..., JobContext]


def sent_files(config: AppConfig) -> list[Path]:
    return sorted(config.outbox_dir.rglob("*.eml")) if config.outbox_dir.exists() else []


def test_a_digest_is_sent_at_its_time_in_its_time_zone(
    db: Database, config: AppConfig, make_context: MakeContext
) -> None:
    # matched at 20:00 Karachi time; the watch's digest goes out at 08:00 Asia/Karachi
    matched = datetime(2026, 3, 1, 15, 0, tzinfo=UTC)
    digest = Delivery("digest", at=(time(8, 0),), timezone="Asia/Karachi")
    due = digest.next_after(matched)
    assert due == datetime(2026, 3, 2, 3, 0, tzinfo=UTC)  # 08:00 PKT is 03:00 UTC
    alert_id = add_alert(db, due_at=due, delivery="digest")

    clock = ManualClock(matched)
    ctx = make_context(None, clock=clock, deliver=deliver_outbox)
    for now in (matched, due - timedelta(minutes=1), due - timedelta(seconds=1)):
        clock.set(now)
        assert send_alerts(ctx).sent == 0
    assert sent_files(config) == []

    clock.set(due + timedelta(seconds=30))  # the next 30-second tick
    assert send_alerts(ctx).sent == 1
    [message] = sent_files(config)
    assert "Acme" in message.read_text(encoding="utf-8")

    # every later tick, and a restarted scheduler, sends nothing more
    clock.advance(timedelta(minutes=1))
    assert send_alerts(ctx).sent == 0
    restarted = make_context(None, clock=clock, deliver=deliver_outbox)
    assert send_alerts(restarted).sent == 0
    assert len(sent_files(config)) == 1
    with db.sessions.begin() as session:
        alert = session.get(Alert, alert_id)
        assert alert is not None
        assert alert.status == "sent"
        assert alert.sent_at == due + timedelta(seconds=30)
        assert session.scalars(select(Alert.status)).all() == ["sent"]
