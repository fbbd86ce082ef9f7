"""Extra alert channels through Apprise URLs (chat, webhooks): send one notification, classify it.

Apprise ships no precise outcome, so: a URL Apprise cannot load is permanent; an HTTP 4xx that
Apprise logs (other than 408/425/429) is permanent; every other failure is temporary.
URLs are shown through :func:`redact_url`, as they often carry tokens.
"""

from __future__ import annotations

import functools
import logging
import re
from dataclasses import dataclass
from typing import Literal

import apprise

logger = logging.getLogger(__name__)

Outcome = Literal["ok", "temporary", "permanent"]
_HTTP_ERROR = re.compile(r"error=(\d{3})")
_RETRYABLE_4XX = {408, 425, 429}


@dataclass(frozen=True)
class ChannelResult:
    outcome: Outcome
    detail: str = ""

    @property
    def ok(self) -> bool:
        return self.outcome == "ok"


@functools.lru_cache(maxsize=256)
def redact_url(url: str) -> str:
    """The URL as Apprise shows it in privacy mode (tokens and passwords masked), no query."""
    plugin = apprise.Apprise.instantiate(url)
    if plugin is None:
        scheme = url.split("://", 1)[0] if "://" in url else "?"
        return f"{scheme}://…"
    shown = plugin.url(privacy=True)  # type: ignore[no-untyped-call]  # apprise leaves it untyped
    return str(shown).split("?", 1)[0]


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.WARNING)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


def notify(url: str, title: str, body: str) -> ChannelResult:
    """Send one notification to an Apprise URL."""
    plugin = apprise.Apprise.instantiate(url)
    if plugin is None:
        return ChannelResult("permanent", f"Apprise cannot use {redact_url(url)}")
    collect = _Collect()
    apprise_logger = logging.getLogger("apprise")
    apprise_logger.addHandler(collect)
    level = apprise_logger.level
    if not apprise_logger.isEnabledFor(logging.WARNING):
        # The reason for a failure comes only as a log line; make sure it is emitted.
        apprise_logger.setLevel(logging.WARNING)
    try:
        ok = bool(plugin.notify(body=body, title=title))
    finally:
        apprise_logger.removeHandler(collect)
        apprise_logger.setLevel(level)
    if ok:
        return ChannelResult("ok")
    detail = "; ".join(dict.fromkeys(collect.lines)) or "Apprise reported a failure"
    codes = [int(code) for code in _HTTP_ERROR.findall(detail)]
    if codes and all(400 <= c < 500 and c not in _RETRYABLE_4XX for c in codes):
        return ChannelResult("permanent", detail)
    return ChannelResult("temporary", detail)
