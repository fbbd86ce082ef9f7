"""Deliver the alert outbox: claim what is due, send it, record sent, retry or failed.

Reads ``AppConfig.smtp_url``, ``smtp_password``, ``mail_from`` and ``outbox_dir``: with no SMTP
URL, messages are filed as ``.eml`` under ``data/outbox/``. Guarantees: an alert is claimed and
given its Message-ID in a committed transaction before it is sent, and marked sent right after,
so a process killed in between resends it at most once, with the same Message-ID, once the claim
(``LEASE``) has run out. Only pending alerts are ever claimed: what was sent is never resent.
"""

from __future__ import annotations

import logging
import ssl
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import EmailMessage
from typing import Protocol, TextIO

from sqlalchemy.orm import Session

from alerts.channels import ChannelResult, notify, redact_url
from alerts.compose import (
    Item,
    alert_message_id,
    compose_alert,
    compose_digest,
    digest_message_id,
)
from alerts.eml import EmlOutbox
from alerts.smtp import DeliveryError, PermanentFailure, SmtpSender, SmtpSettings, TemporaryFailure
from settings.config import AppConfig
from storage import Database
from storage.alerts import (
    AlertContent,
    ClaimedAlert,
    claim_due,
    due_alerts,
    load_alert_content,
    mark_failed,
    mark_retry,
    mark_sent,
    release,
    set_message_ids,
)
from storage.stories import also_reported_by
from storage.types import utcnow
from storage.versions import VersionChange, change_behind

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 8  # then the alert is marked failed and shown by `scrapy alerts --status failed`
BACKOFF_BASE = timedelta(minutes=1)  # 1, 2, 4, ... minutes between attempts
BACKOFF_CAP = timedelta(hours=2)
LEASE = timedelta(minutes=10)  # a claim older than this belongs to a dead process
CLAIM_LIMIT = 200
MAX_ROUNDS = 50
DIGEST_MAX_ITEMS = 100  # a larger digest is split into several messages

RelatedSources = Callable[[Session, int], Sequence[str]]
"""``(session, article_id) -> names of the other sources carrying the same story``."""

Notifier = Callable[[str, str, str], ChannelResult]
"""``(apprise_url, title, body) -> result``; :func:`alerts.channels.notify` by default."""


class Sender(Protocol):
    """Sends one e-mail: :class:`SmtpSender` or :class:`EmlOutbox`."""

    @property
    def description(self) -> str: ...

    def send(self, message: EmailMessage, recipients: Sequence[str]) -> None: ...

    def close(self) -> None: ...


@dataclass
class DeliveryReport:
    """What one ``deliver_due`` run did, counted in alerts (a digest holds several)."""

    sent: int = 0
    retried: int = 0
    failed: int = 0
    messages: int = 0
    dry_run: bool = False
    errors: list[str] = field(default_factory=list)

    def summary(self) -> str:
        if self.dry_run:
            return f"dry run: {self.messages} message(s) for {self.sent} alert(s) due"
        return (
            f"sent {self.sent} alert(s) in {self.messages} message(s), "
            f"{self.retried} to retry, {self.failed} failed"
        )


@dataclass(frozen=True)
class Outgoing:
    """One message: an alert, or the digest of one watch for one recipient."""

    message_id: str
    watch_name: str
    recipient: str
    channel: str
    digest: bool
    alerts: tuple[ClaimedAlert, ...]

    @property
    def ids(self) -> list[int]:
        return [a.id for a in self.alerts]

    @property
    def attempts(self) -> int:
        return max(a.attempts for a in self.alerts)

    @property
    def shown_recipient(self) -> str:
        return self.recipient if self.channel == "email" else redact_url(self.recipient)


def backoff(attempts: int) -> timedelta:
    """The wait after the ``attempts``-th failed attempt: doubling from a minute, capped."""
    return min(BACKOFF_BASE * (1 << min(max(0, attempts - 1), 30)), BACKOFF_CAP)


def plan(claimed: Sequence[ClaimedAlert]) -> list[Outgoing]:
    """Group alerts into messages; an alert's Message-ID, once given, is kept for its resends."""
    by_id: dict[str, list[ClaimedAlert]] = defaultdict(list)
    digests: dict[tuple[int, str, str], list[ClaimedAlert]] = defaultdict(list)
    for alert in sorted(claimed, key=lambda a: a.id):
        if alert.message_id is not None:
            by_id[alert.message_id].append(alert)
        elif alert.delivery == "digest":
            digests[(alert.watch_id, alert.channel, alert.recipient)].append(alert)
        else:
            by_id[alert_message_id(alert.id, alert.watch_name)].append(alert)
    for group in digests.values():
        for start in range(0, len(group), DIGEST_MAX_ITEMS):
            chunk = group[start : start + DIGEST_MAX_ITEMS]
            by_id[digest_message_id(chunk[0].id, chunk[0].watch_name)].extend(chunk)
    deliveries = [
        Outgoing(
            message_id=message_id,
            watch_name=group[0].watch_name,
            recipient=group[0].recipient,
            channel=group[0].channel,
            digest=group[0].delivery == "digest",
            alerts=tuple(group),
        )
        for message_id, group in by_id.items()
    ]
    return sorted(deliveries, key=lambda d: d.alerts[0].id)


def make_sender(config: AppConfig, tls_context: ssl.SSLContext | None = None) -> Sender:
    """SMTP when ``NEWSWATCH_SMTP_URL`` is set, else ``.eml`` files in the outbox folder."""
    if config.smtp_url:
        settings = SmtpSettings.from_url(config.smtp_url, config.smtp_password)
        return SmtpSender(settings, ssl_context=tls_context)
    return EmlOutbox(config.outbox_dir)


def _item(content: AlertContent, others: Sequence[str], change: VersionChange | None) -> Item:
    return Item(
        headline=content.headline,
        url=content.url,
        source=content.source,
        published_at=content.published_at,
        matched_at=content.matched_at,
        snippet=content.snippet,
        highlights=content.highlights,
        terms=content.terms,
        other_sources=tuple(s for s in others if s != content.source),
        changed=(
            f"Updated (version {change.version}). New text: {change.added[:400]}"
            if change is not None
            else None
        ),
    )


def build_message(
    session: Session,
    delivery: Outgoing,
    *,
    mail_from: str,
    now: datetime,
    related_sources: RelatedSources | None = None,
) -> EmailMessage:
    """The message for a delivery, from the alerts' current rows."""
    contents = load_alert_content(session, delivery.ids)
    items = [
        _item(
            c,
            related_sources(session, c.article_id) if related_sources else (),
            change_behind(session, c.article_id, c.matched_at),
        )
        for c in (contents[i] for i in delivery.ids if i in contents)
    ]
    if not items:
        raise LookupError(f"alerts {delivery.ids} have no article or match any more")
    compose = compose_digest if delivery.digest else _compose_one
    return compose(
        items,
        watch_name=delivery.watch_name,
        recipient=delivery.recipient if delivery.channel == "email" else mail_from,
        mail_from=mail_from,
        message_id=delivery.message_id,
        now=now,
    )


def _compose_one(
    items: Sequence[Item],
    *,
    watch_name: str,
    recipient: str,
    mail_from: str,
    message_id: str,
    now: datetime,
) -> EmailMessage:
    return compose_alert(
        items[0],
        watch_name=watch_name,
        recipient=recipient,
        mail_from=mail_from,
        message_id=message_id,
        now=now,
    )


def text_of(message: EmailMessage) -> str:
    part = message.get_body(("plain",))
    return str(part.get_content()) if isinstance(part, EmailMessage) else ""


class _Run:
    """One delivery run's state: the sender, the clock, the report."""

    def __init__(
        self,
        db: Database,
        config: AppConfig,
        now: datetime,
        sender: Sender,
        notifier: Notifier,
        related_sources: RelatedSources | None,
    ) -> None:
        self.db = db
        self.config = config
        self.now = now
        self.sender = sender
        self.notifier = notifier
        self.related_sources = related_sources
        self.report = DeliveryReport()
        self.email_down: TemporaryFailure | None = None
        self.started = time.monotonic()

    def out_of_time(self) -> bool:
        # Stop well inside the lease, so no other process takes over a claim still in hand.
        return time.monotonic() - self.started > LEASE.total_seconds() / 2

    def deliver(self, delivery: Outgoing) -> None:
        if delivery.attempts > MAX_ATTEMPTS:
            # Claimed that often without an outcome: the sender keeps dying on this one.
            self.failed(delivery, PermanentFailure("no outcome recorded after repeated claims"))
            return
        try:
            with self.db.sessions() as session:
                message = build_message(
                    session,
                    delivery,
                    mail_from=self.config.mail_from,
                    now=self.now,
                    related_sources=self.related_sources,
                )
        except Exception as exc:
            logger.exception(
                "cannot compose alert %s of watch %s", delivery.ids, delivery.watch_name
            )
            self.retry(delivery, TemporaryFailure(f"cannot compose the message: {exc!r}"))
            return
        try:
            if delivery.channel == "email":
                self.send_email(delivery, message)
            else:
                self.send_apprise(delivery, message)
        except TemporaryFailure as exc:
            if exc.connection and delivery.channel == "email":
                self.email_down = exc
            self.retry(delivery, exc)
        except PermanentFailure as exc:
            self.failed(delivery, exc)
        else:
            self.sent(delivery)

    def send_email(self, delivery: Outgoing, message: EmailMessage) -> None:
        if self.email_down is not None:
            raise self.email_down
        self.sender.send(message, [delivery.recipient])

    def send_apprise(self, delivery: Outgoing, message: EmailMessage) -> None:
        result = self.notifier(delivery.recipient, str(message["Subject"]), text_of(message))
        if result.outcome == "permanent":
            raise PermanentFailure(result.detail)
        if result.outcome == "temporary":
            raise TemporaryFailure(result.detail)

    def sent(self, delivery: Outgoing) -> None:
        with self.db.sessions.begin() as session:
            mark_sent(session, delivery.ids, self.now)
        self.report.sent += len(delivery.alerts)
        self.report.messages += 1
        logger.info(
            "sent alert %s of watch %s to %s as %s",
            delivery.ids,
            delivery.watch_name,
            delivery.shown_recipient,
            delivery.message_id,
        )

    def retry(self, delivery: Outgoing, error: DeliveryError) -> None:
        if delivery.attempts >= MAX_ATTEMPTS:
            self.failed(delivery, error, gave_up=True)
            return
        next_at = self.now + backoff(delivery.attempts)
        with self.db.sessions.begin() as session:
            mark_retry(session, delivery.ids, next_at, error.answer)
        self.report.retried += len(delivery.alerts)
        logger.warning(
            "alert %s of watch %s to %s not sent (attempt %d of %d): %s; next try at %s",
            delivery.ids,
            delivery.watch_name,
            delivery.shown_recipient,
            delivery.attempts,
            MAX_ATTEMPTS,
            error.answer,
            next_at.strftime("%Y-%m-%d %H:%M:%S UTC"),
        )

    def failed(self, delivery: Outgoing, error: DeliveryError, *, gave_up: bool = False) -> None:
        reason = error.answer
        if gave_up:
            reason = f"gave up after {delivery.attempts} attempts: {reason}"
        with self.db.sessions.begin() as session:
            mark_failed(session, delivery.ids, reason)
        self.report.failed += len(delivery.alerts)
        self.report.errors.append(
            f"alert {delivery.ids} of watch {delivery.watch_name} "
            f"to {delivery.shown_recipient}: {reason}"
        )
        logger.error(
            "alert %s of watch %s to %s failed: %s",
            delivery.ids,
            delivery.watch_name,
            delivery.shown_recipient,
            reason,
        )


def deliver_due(
    db: Database,
    config: AppConfig,
    now: datetime | None = None,
    *,
    dry_run: bool = False,
    out: TextIO | None = None,
    sender: Sender | None = None,
    notifier: Notifier = notify,
    tls_context: ssl.SSLContext | None = None,
    related_sources: RelatedSources | None = also_reported_by,
    limit: int = CLAIM_LIMIT,
) -> DeliveryReport:
    """Send every alert due at ``now`` (default: the current time); return what happened.

    ``dry_run`` writes the messages to ``out`` (default stdout) and changes nothing.
    ``sender`` replaces the configured SMTP server or ``.eml`` outbox; ``tls_context`` is the
    TLS context for SMTP (default: the system's trusted CAs). ``related_sources`` names the
    other sources of an alert's story ("also reported by"), read when the message is built, so
    a pending digest picks up copies that arrived after the match.
    """
    now = now or utcnow()
    if dry_run:
        return _dry_run(db, config, now, out or sys.stdout, related_sources, limit)
    own_sender = sender is None
    run = _Run(
        db,
        config,
        now,
        sender or make_sender(config, tls_context),
        notifier,
        related_sources,
    )
    try:
        for _ in range(MAX_ROUNDS):
            with db.sessions.begin() as session:
                claimed = claim_due(session, now, lease=LEASE, limit=limit)
                deliveries = plan(claimed)
                set_message_ids(session, {a.id: d.message_id for d in deliveries for a in d.alerts})
            for number, delivery in enumerate(deliveries):
                if run.out_of_time():
                    untried = [i for d in deliveries[number:] for i in d.ids]
                    with db.sessions.begin() as session:
                        release(session, untried)
                    logger.warning(
                        "delivery run out of time; %d alert(s) left for the next", len(untried)
                    )
                    return run.report
                run.deliver(delivery)
            if len(claimed) < limit:
                break
    finally:
        if own_sender:
            run.sender.close()
    return run.report


def _dry_run(
    db: Database,
    config: AppConfig,
    now: datetime,
    out: TextIO,
    related_sources: RelatedSources | None,
    limit: int,
) -> DeliveryReport:
    report = DeliveryReport(dry_run=True)
    with db.sessions() as session:
        deliveries = plan(due_alerts(session, now, lease=LEASE, limit=limit))
        for delivery in deliveries:
            message = build_message(
                session,
                delivery,
                mail_from=config.mail_from,
                now=now,
                related_sources=related_sources,
            )
            out.write(
                f"=== {delivery.channel} to {delivery.shown_recipient} "
                f"(alert {', '.join(map(str, delivery.ids))}, watch {delivery.watch_name}) ===\n"
            )
            if delivery.channel == "email":
                out.write(message.as_string())
            else:
                out.write(f"{message['Subject']}\n\n{text_of(message)}")
            out.write("\n")
            report.messages += 1
            report.sent += len(delivery.alerts)
    return report
