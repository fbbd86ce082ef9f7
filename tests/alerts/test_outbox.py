"""The outbox end to end, on SQLite and PostgreSQL, against a real SMTP server on loopback:
immediate and digest delivery, a server that is down then up, refusals, retries, a crash between
sending and recording, the .eml default and the dry run."""

from __future__ import annotations

import datetime as dt
import io
import logging
from collections.abc import Sequence
from email.message import EmailMessage

import pytest
from sqlalchemy import select

from alerts import outbox
from alerts.outbox import BACKOFF_CAP, LEASE, MAX_ATTEMPTS, backoff, deliver_due
from alerts.smtp import SmtpSender, SmtpSettings
from storage import Database
from storage.alerts import claim_due, list_alerts, queue_alerts
from storage.models import Alert
from tests.alerts.conftest import (
    NOW,
    PASSWORD,
    USER,
    Certificate,
    Recorder,
    ServerFactory,
    SmtpServer,
    add_match,
    authenticator,
    config_for,
    free_port,
)

MINUTE = dt.timedelta(minutes=1)


def alerts(db: Database) -> list[Alert]:
    with db.sessions() as session:
        return list(session.scalars(select(Alert).order_by(Alert.id)))


def smtp_url(server: SmtpServer | int) -> str:
    port = server if isinstance(server, int) else server.port
    return f"smtp://127.0.0.1:{port}?timeout=5"


def text_of(message: EmailMessage) -> str:
    part = message.get_body(("plain",))
    assert isinstance(part, EmailMessage)
    return str(part.get_content())


def ids_received(server: SmtpServer) -> list[str]:
    return [str(m["Message-ID"]) for m in server.recorder.messages()]


def test_immediate_alert_is_delivered_once(db: Database, smtp_server: SmtpServer, tmp_path):
    assert add_match(db, recipients=["ana@example.org", "bob@example.org"]) == 2
    config = config_for(tmp_path, smtp_url(smtp_server))

    report = deliver_due(db, config, NOW)

    assert (report.sent, report.messages, report.retried, report.failed) == (2, 2, 0, 0)
    received = smtp_server.recorder.received
    assert [(r.mail_from, r.rcpt_tos) for r in received] == [
        ("alerts@newswatch.test", ["ana@example.org"]),
        ("alerts@newswatch.test", ["bob@example.org"]),
    ]
    first = received[0].message
    assert first["Subject"] == "[Acme] Acme posts record profit"
    assert first["To"] == "ana@example.org"
    assert first["Message-ID"] == "<alert-1.acme@newswatch>"
    assert first["List-Id"] == '"Acme" <acme.newswatch>'
    assert first["Date"] == "Sat, 28 Nov 2026 10:00:00 +0000"
    assert text_of(first) == (
        "Acme posts record profit\n"
        "https://news.example/acme-profit\n"
        "Source: Example News\n"
        "Published: 2026-11-28 09:30 UTC\n"
        "Matched: acme\n"
        "\n"
        "  [Acme] Corp said on Friday that profit rose\n"
        "\n"
        "-- \n"
        'You receive this as a recipient of the newswatch watch "Acme".\n'
    )
    assert received[1].message["Message-ID"] == "<alert-2.acme@newswatch>"
    rows = alerts(db)
    assert [(a.status, a.attempts, a.sent_at, a.sending_since) for a in rows] == [
        ("sent", 1, NOW, None),
        ("sent", 1, NOW, None),
    ]

    again = deliver_due(db, config, NOW + dt.timedelta(hours=1))
    assert (again.sent, again.messages) == (0, 0)
    assert len(smtp_server.recorder.received) == 2


def test_other_sources_of_the_story_are_named(db: Database, smtp_server: SmtpServer, tmp_path):
    add_match(db)

    def related(session: object, article_id: int) -> Sequence[str]:
        assert article_id == 1
        return ["Example News", "Wire Service"]

    deliver_due(db, config_for(tmp_path, smtp_url(smtp_server)), NOW, related_sources=related)
    body = text_of(smtp_server.recorder.messages()[0])
    assert "Also reported by: Wire Service\n" in body  # the article's own source is not repeated


def test_digest_waits_for_its_time_and_groups_by_watch(
    db: Database, smtp_server: SmtpServer, tmp_path
):
    digest_at = NOW + dt.timedelta(hours=8)
    for n, (source, hour) in enumerate([("Wire", 6), ("Daily", 8), ("Wire", 7)], 1):
        add_match(
            db,
            title=f"Acme story {n}",
            url=f"https://news.example/{n}",
            source=source,
            published_at=dt.datetime(2026, 11, 28, hour, tzinfo=dt.UTC),
            snippet=f"Acme did thing {n}",
            recipients=["ana@example.org", "bob@example.org"],
            delivery="digest",
            due_at=digest_at,
        )
    add_match(
        db, watch="Other", url="https://news.example/other", delivery="digest", due_at=digest_at
    )
    add_match(db, watch="Now", url="https://news.example/now")  # immediate
    config = config_for(tmp_path, smtp_url(smtp_server))

    early = deliver_due(db, config, NOW)
    assert (early.sent, early.messages) == (1, 1)
    assert smtp_server.recorder.messages()[0]["Subject"] == "[Now] Acme posts record profit"

    due = deliver_due(db, config, digest_at)

    assert (due.sent, due.messages) == (7, 3)
    digests = smtp_server.recorder.messages()[1:]
    assert [(m["To"], m["Subject"], m["Message-ID"]) for m in digests] == [
        ("ana@example.org", "[Acme] Digest: 3 new matches", "<digest-1.acme@newswatch>"),
        ("bob@example.org", "[Acme] Digest: 3 new matches", "<digest-2.acme@newswatch>"),
        ("ana@example.org", "[Other] Digest: 1 new match", "<digest-7.other@newswatch>"),
    ]
    body = text_of(digests[0])
    assert body.startswith(
        "newswatch digest for Acme\n3 new matches from 2 sources: Wire 2, Daily 1\n\n"
        "1. Acme story 2\n"
    )
    assert body.index("2. Acme story 3") < body.index("3. Acme story 1")
    assert all(a.status == "sent" for a in alerts(db))
    assert {a.message_id for a in alerts(db) if a.recipient == "bob@example.org"} == {
        "<digest-2.acme@newswatch>",
    }
    assert deliver_due(db, config, digest_at + dt.timedelta(days=1)).messages == 0


def test_server_down_then_up_loses_and_doubles_nothing(
    db: Database, smtp_factory: ServerFactory, tmp_path
):
    port = free_port()
    for n in range(3):
        add_match(db, url=f"https://news.example/{n}")
    config = config_for(tmp_path, smtp_url(port))

    down = deliver_due(db, config, NOW)

    assert (down.sent, down.retried, down.failed) == (0, 3, 0)
    rows = alerts(db)
    assert {a.status for a in rows} == {"pending"}
    assert {a.next_attempt_at for a in rows} == {NOW + MINUTE}
    assert all("refused" in (a.last_error or "").lower() for a in rows)
    assert {a.sending_since for a in rows} == {None}

    backing_off = deliver_due(db, config, NOW + dt.timedelta(seconds=30))
    assert (backing_off.sent, backing_off.retried) == (0, 0)

    server = smtp_factory(port=port)
    up = deliver_due(db, config, NOW + MINUTE)
    assert (up.sent, up.retried, up.failed) == (3, 0, 0)
    assert deliver_due(db, config, NOW + dt.timedelta(hours=3)).messages == 0
    assert sorted(ids_received(server)) == [
        "<alert-1.acme@newswatch>",
        "<alert-2.acme@newswatch>",
        "<alert-3.acme@newswatch>",
    ]
    assert [(a.status, a.attempts, a.last_error) for a in alerts(db)] == [("sent", 2, None)] * 3


def test_4xx_is_retried_with_backoff(db: Database, smtp_factory: ServerFactory, tmp_path):
    server = smtp_factory(recorder=Recorder(defer_data=1))
    add_match(db, url="https://news.example/1")
    add_match(db, url="https://news.example/2")
    config = config_for(tmp_path, smtp_url(server))

    first = deliver_due(db, config, NOW)

    assert (first.sent, first.retried) == (1, 1)
    deferred, delivered = alerts(db)
    assert (deferred.status, deferred.next_attempt_at) == ("pending", NOW + MINUTE)
    assert deferred.last_error == "451 4.3.0 Mail server temporarily rejected message"
    assert delivered.status == "sent"

    second = deliver_due(db, config, NOW + MINUTE)
    assert (second.sent, second.retried) == (1, 0)
    assert ids_received(server) == ["<alert-2.acme@newswatch>", "<alert-1.acme@newswatch>"]


def test_one_refused_recipient_does_not_block_the_others(
    db: Database, smtp_factory: ServerFactory, tmp_path
):
    answer = "550 5.1.1 <gone@example.org>: Recipient address rejected"
    server = smtp_factory(recorder=Recorder(refuse={"gone@example.org": answer}))
    add_match(db, recipients=["ana@example.org", "gone@example.org", "bob@example.org"])
    config = config_for(tmp_path, smtp_url(server))

    report = deliver_due(db, config, NOW)

    assert (report.sent, report.failed, report.retried) == (2, 1, 0)
    assert report.errors == [f"alert [2] of watch Acme to gone@example.org: {answer}"]
    assert [(a.recipient, a.status, a.last_error) for a in alerts(db)] == [
        ("ana@example.org", "sent", None),
        ("gone@example.org", "failed", answer),
        ("bob@example.org", "sent", None),
    ]
    assert deliver_due(db, config, NOW + dt.timedelta(days=1)).messages == 0
    assert [r.rcpt_tos for r in server.recorder.received] == [
        ["ana@example.org"],
        ["bob@example.org"],
    ]


def test_backoff_doubles_up_to_a_cap() -> None:
    assert [backoff(n) for n in (1, 2, 3, 4)] == [MINUTE, 2 * MINUTE, 4 * MINUTE, 8 * MINUTE]
    assert backoff(40) == BACKOFF_CAP


def test_gives_up_after_max_attempts_and_shows_it(db: Database, tmp_path):
    add_match(db)
    config = config_for(tmp_path, smtp_url(free_port()))
    when = NOW
    for attempt in range(1, MAX_ATTEMPTS + 1):
        report = deliver_due(db, config, when)
        (alert,) = alerts(db)
        assert alert.attempts == attempt
        if attempt < MAX_ATTEMPTS:
            assert (report.retried, alert.status) == (1, "pending")
            assert alert.next_attempt_at == when + backoff(attempt)
            when = alert.next_attempt_at
    assert (report.failed, alert.status) == (1, "failed")
    assert (alert.last_error or "").startswith(f"gave up after {MAX_ATTEMPTS} attempts: ")
    with db.sessions() as session:
        assert [row.id for row in list_alerts(session, "failed")] == [alert.id]
    assert deliver_due(db, config, when + dt.timedelta(days=1)).messages == 0


class Crash(BaseException):
    """The process dies (as on SIGKILL): nothing after this runs."""


class CrashAfterSending:
    """Sends for real, then dies before the outbox can record it."""

    def __init__(self, sender: SmtpSender) -> None:
        self.sender = sender

    @property
    def description(self) -> str:
        return self.sender.description

    def send(self, message: EmailMessage, recipients: Sequence[str]) -> None:
        self.sender.send(message, recipients)
        raise Crash

    def close(self) -> None:
        self.sender.close()


def test_crash_between_send_and_record_resends_once_with_same_id(
    db: Database, smtp_server: SmtpServer, tmp_path
):
    add_match(db)
    config = config_for(tmp_path, smtp_url(smtp_server))
    crashing = CrashAfterSending(SmtpSender(SmtpSettings.from_url(config.smtp_url or "")))

    with pytest.raises(Crash):
        deliver_due(db, config, NOW, sender=crashing)
    crashing.close()
    (alert,) = alerts(db)
    assert (alert.status, alert.sending_since) == ("pending", NOW)
    assert alert.message_id == "<alert-1.acme@newswatch>"

    # Another run while the claim is fresh (the sender might be alive): no second copy.
    assert deliver_due(db, config, NOW + MINUTE).messages == 0

    after_lease = NOW + LEASE + MINUTE
    report = deliver_due(db, config, after_lease)
    assert (report.sent, report.messages) == (1, 1)
    assert deliver_due(db, config, after_lease + dt.timedelta(days=1)).messages == 0

    assert ids_received(smtp_server) == ["<alert-1.acme@newswatch>"] * 2
    (alert,) = alerts(db)
    assert (alert.status, alert.attempts, alert.sent_at) == ("sent", 2, after_lease)


def test_crashed_digest_is_resent_whole_and_new_alerts_go_separately(
    db: Database, smtp_server: SmtpServer, tmp_path
):
    for n in (1, 2):
        add_match(db, url=f"https://news.example/{n}", title=f"Story {n}", delivery="digest")
    config = config_for(tmp_path, smtp_url(smtp_server))
    crashing = CrashAfterSending(SmtpSender(SmtpSettings.from_url(config.smtp_url or "")))
    with pytest.raises(Crash):
        deliver_due(db, config, NOW, sender=crashing)
    crashing.close()
    add_match(db, url="https://news.example/3", title="Story 3", delivery="digest")

    report = deliver_due(db, config, NOW + LEASE + MINUTE)

    assert (report.sent, report.messages) == (3, 2)
    messages = smtp_server.recorder.messages()
    assert [(m["Message-ID"], m["Subject"]) for m in messages] == [
        ("<digest-1.acme@newswatch>", "[Acme] Digest: 2 new matches"),
        ("<digest-1.acme@newswatch>", "[Acme] Digest: 2 new matches"),
        ("<digest-3.acme@newswatch>", "[Acme] Digest: 1 new match"),
    ]
    assert text_of(messages[0]) == text_of(messages[1])


def test_without_smtp_alerts_become_eml_files(db: Database, tmp_path):
    add_match(db, recipients=["ana@example.org", "bob@example.org"])
    config = config_for(tmp_path)  # no NEWSWATCH_SMTP_URL: the fresh-machine default

    report = deliver_due(db, config, NOW)

    assert (report.sent, report.messages) == (2, 2)
    files = sorted(p.name for p in config.outbox_dir.iterdir())
    assert files == ["alert-1.acme@newswatch.eml", "alert-2.acme@newswatch.eml"]
    written = (config.outbox_dir / files[0]).read_bytes()
    assert b"Message-ID: <alert-1.acme@newswatch>\n" in written
    assert b"To: ana@example.org\n" in written
    assert {a.status for a in alerts(db)} == {"sent"}
    assert deliver_due(db, config, NOW + MINUTE).messages == 0
    assert (config.outbox_dir / files[0]).read_bytes() == written


def test_dry_run_prints_and_changes_nothing(db: Database, smtp_server: SmtpServer, tmp_path):
    add_match(db, title="<b>Acme</b> news")
    add_match(db, url="https://news.example/later", delivery="digest", due_at=NOW + MINUTE)
    config = config_for(tmp_path, smtp_url(smtp_server))
    out = io.StringIO()
    before = [(a.status, a.attempts, a.message_id, a.sending_since) for a in alerts(db)]

    report = deliver_due(db, config, NOW, dry_run=True, out=out)

    assert (report.dry_run, report.messages, report.sent) == (True, 1, 1)
    printed = out.getvalue()
    assert printed.startswith(
        "=== email to ana@example.org (alert 1, watch Acme) ===\nSubject: [Acme] <b>Acme</b> news\n"
    )
    assert "Message-ID: <alert-1.acme@newswatch>" in printed
    assert "later" not in printed  # the digest is not due yet
    assert smtp_server.recorder.received == []
    assert [(a.status, a.attempts, a.message_id, a.sending_since) for a in alerts(db)] == before


def test_wrong_password_stays_pending_and_is_never_stored_or_logged(
    db: Database,
    smtp_factory: ServerFactory,
    certificate: Certificate,
    tmp_path,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
):
    caplog.set_level(logging.DEBUG)
    server = smtp_factory(
        tls_context=certificate.server_context(),
        require_starttls=True,
        authenticator=authenticator,
        auth_require_tls=True,
    )
    add_match(db)
    wrong = "Wr0ng-" + PASSWORD
    url = f"smtp://{USER}:{wrong}@127.0.0.1:{server.port}"
    tls = certificate.client_context()

    report = deliver_due(db, config_for(tmp_path, url), NOW, tls_context=tls)

    assert report.retried == 1
    (alert,) = alerts(db)
    assert alert.status == "pending" and "535" in (alert.last_error or "")
    out, err = capsys.readouterr()
    for shown in [alert.last_error or "", caplog.text, out, err, repr(report)]:
        assert wrong not in shown
    assert server.recorder.received == []

    # With the right password (from NEWSWATCH_SMTP_PASSWORD) it goes out on the next try.
    right = config_for(tmp_path, f"smtp://{USER}@127.0.0.1:{server.port}", smtp_password=PASSWORD)
    fixed = deliver_due(db, right, NOW + MINUTE, tls_context=tls)
    assert fixed.sent == 1 and len(server.recorder.received) == 1


def test_queue_alerts_is_insert_ignore_and_in_the_callers_transaction(db: Database):
    assert add_match(db, recipients=["ana@example.org", " ana@example.org "]) == 1
    with db.sessions.begin() as session:
        again = queue_alerts(
            session,
            match_id=1,
            watch_id=1,
            article_id=1,
            recipients=["ana@example.org", "new@example.org"],
            channels=["json://127.0.0.1:9/"],
            due_at=NOW,
        )
        assert again == 2
        session.rollback()
    assert [a.recipient for a in alerts(db)] == ["ana@example.org"]
    with pytest.raises(ValueError, match="delivery_mode"), db.sessions.begin() as session:
        queue_alerts(
            session,
            match_id=1,
            watch_id=1,
            article_id=1,
            recipients=["x@example.org"],
            delivery_mode="weekly",
            due_at=NOW,
        )


def test_a_claimed_alert_is_not_claimed_twice(db: Database):
    add_match(db, recipients=["a@example.org", "b@example.org", "c@example.org"])
    with db.sessions.begin() as session:
        first = claim_due(session, NOW, lease=LEASE, limit=2)
    with db.sessions.begin() as session:
        second = claim_due(session, NOW, lease=LEASE, limit=10)
    with db.sessions.begin() as session:
        third = claim_due(session, NOW, lease=LEASE, limit=10)
    assert [a.id for a in first] == [1, 2]
    assert [a.id for a in second] == [3]
    assert third == []
    with db.sessions.begin() as session:
        taken_over = claim_due(session, NOW + LEASE, lease=LEASE, limit=10)
    assert [(a.id, a.attempts) for a in taken_over] == [(1, 2), (2, 2), (3, 2)]


def test_run_out_of_time_hands_back_untried_alerts(
    db: Database, smtp_server: SmtpServer, tmp_path, monkeypatch: pytest.MonkeyPatch
):
    add_match(db, recipients=["a@example.org", "b@example.org", "c@example.org"])
    calls = iter([False])
    monkeypatch.setattr(outbox._Run, "out_of_time", lambda self: next(calls, True))
    config = config_for(tmp_path, smtp_url(smtp_server))

    report = deliver_due(db, config, NOW)

    assert report.sent == 1
    assert [(a.status, a.attempts, a.sending_since) for a in alerts(db)] == [
        ("sent", 1, None),
        ("pending", 0, None),
        ("pending", 0, None),
    ]
    monkeypatch.undo()
    assert deliver_due(db, config, NOW).sent == 2
    assert len(smtp_server.recorder.received) == 3


def test_an_alert_that_keeps_killing_the_sender_is_failed(
    db: Database, smtp_server: SmtpServer, tmp_path
):
    add_match(db)
    with db.sessions.begin() as session:
        alert = session.scalars(select(Alert)).one()
        alert.attempts = MAX_ATTEMPTS
        alert.sending_since = NOW - LEASE  # claimed MAX_ATTEMPTS times, never recorded

    report = deliver_due(db, config_for(tmp_path, smtp_url(smtp_server)), NOW)

    assert report.failed == 1
    (alert,) = alerts(db)
    assert alert.status == "failed"
    assert alert.last_error == "no outcome recorded after repeated claims"
    assert smtp_server.recorder.received == []


def test_a_message_that_cannot_be_composed_is_retried(
    db: Database, smtp_server: SmtpServer, tmp_path, caplog: pytest.LogCaptureFixture
):
    add_match(db, recipients=["a@example.org"])
    add_match(db, url="https://news.example/2", recipients=["a@example.org"])

    def broken(session: object, article_id: int) -> Sequence[str]:
        if article_id == 1:
            raise RuntimeError("story index unavailable")
        return []

    config = config_for(tmp_path, smtp_url(smtp_server))
    report = deliver_due(db, config, NOW, related_sources=broken)

    assert (report.sent, report.retried) == (1, 1)
    first, second = alerts(db)
    assert first.status == "pending" and "story index unavailable" in (first.last_error or "")
    assert second.status == "sent"
    assert "cannot compose alert [1] of watch Acme" in caplog.text
