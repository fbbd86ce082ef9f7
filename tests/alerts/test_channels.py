"""Apprise channels against a local HTTP server (``json://127.0.0.1:PORT/``), alone and through
the outbox with the same once-only bookkeeping as e-mail."""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from sqlalchemy import select

from alerts.channels import notify, redact_url
from alerts.outbox import deliver_due
from storage import Database
from storage.models import Alert
from tests.alerts.conftest import NOW, add_match, config_for


class Hook(ThreadingHTTPServer):
    """Records each JSON body; answers with the next status in ``statuses`` (then 200)."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), HookHandler)
        self.bodies: list[dict[str, Any]] = []
        self.statuses: list[int] = []

    @property
    def url(self) -> str:
        return f"json://127.0.0.1:{self.server_address[1]}/"


class HookHandler(BaseHTTPRequestHandler):
    server: Hook

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", "0"))
        self.server.bodies.append(json.loads(self.rfile.read(length)))
        status = self.server.statuses.pop(0) if self.server.statuses else 200
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        return None


@pytest.fixture
def hook() -> Iterator[Hook]:
    server = Hook()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    thread.join()


def test_notify_outcomes(hook: Hook) -> None:
    hook.statuses = [500, 404]
    assert notify(hook.url, "t", "b").outcome == "temporary"
    gone = notify(hook.url, "t", "b")
    assert (gone.outcome, "404" in gone.detail) == ("permanent", True)
    assert notify(hook.url, "title", "body").ok
    assert [(b["title"], b["message"]) for b in hook.bodies][-1] == ("title", "body")
    assert notify("nosuchscheme://x/y", "t", "b").outcome == "permanent"


def test_redact_url_hides_tokens() -> None:
    slack = redact_url("slack://T000AAAA/B000BBBB/XXXXsecretXXXXXXXXXXXXX")
    assert slack.startswith("slack://") and "secret" not in slack and "T000AAAA" not in slack
    hook = redact_url("json://user:pw@127.0.0.1:8080/hook?token=abc")
    assert hook == "json://user:****@127.0.0.1:8080/hook"
    assert redact_url("nosuchscheme://secret/path") == "nosuchscheme://…"


def test_apprise_alerts_are_sent_once_and_retried(db: Database, hook: Hook, tmp_path) -> None:
    add_match(db, recipients=[], channels=[hook.url], title="Acme <b>up</b>")
    config = config_for(tmp_path)
    hook.statuses = [503]

    first = deliver_due(db, config, NOW)
    assert (first.sent, first.retried) == (0, 1)
    second = deliver_due(db, config, NOW + dt.timedelta(minutes=1))
    assert (second.sent, second.retried) == (1, 0)
    assert deliver_due(db, config, NOW + dt.timedelta(days=1)).messages == 0

    assert len(hook.bodies) == 2
    assert hook.bodies[-1]["title"] == "[Acme] Acme <b>up</b>"  # plain text, as for e-mail
    assert hook.bodies[-1]["message"].startswith("Acme <b>up</b>\nhttps://news.example/")
    with db.sessions() as session:
        (alert,) = session.scalars(select(Alert))
    assert (alert.channel, alert.status, alert.attempts) == ("apprise", "sent", 2)
    assert not list(config.outbox_dir.glob("*.eml"))
