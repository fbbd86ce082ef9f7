"""The ``send-alerts`` job: hand the alerts and digests that are due to the alert sender.

``alerts.outbox.deliver_due`` decides what is due (a digest's ``due_at`` is its time in its watch's
time zone) and never sends an alert twice; this job calls it with the clock's ``now``, often
enough (every 30 s by default) that nothing waits long.
"""

from __future__ import annotations

import logging
from datetime import datetime

from alerts.outbox import DeliveryReport, deliver_due
from jobs.context import JobContext
from settings.config import AppConfig
from storage import Database

logger = logging.getLogger(__name__)


def deliver_outbox(db: Database, config: AppConfig, now: datetime) -> DeliveryReport:
    """The production ``Deliver``: the configured SMTP server, or ``.eml`` files."""
    return deliver_due(db, config, now)


def send_alerts(ctx: JobContext) -> DeliveryReport:
    """Deliver what is due now; returns the sender's report."""
    report = ctx.deliver(ctx.db, ctx.config, ctx.clock.now())
    if report.sent or report.retried or report.failed:
        logger.info("alerts: %s", report.summary())
    else:
        logger.debug("alerts: %s", report.summary())
    return report
