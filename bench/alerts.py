"""Alert delivery throughput: immediate alerts a minute delivered to an SMTP server on loopback.

The server is aiosmtpd's ``Sink`` handler in its own process (so its CPU is not counted here),
on 127.0.0.1. The outbox runs as in production: ``deliver_due`` claims a batch and commits,
then sends each message over ONE SMTP connection reused for the whole run (one MAIL/RCPT/DATA
transaction per message, no reconnect), and commits each alert's outcome right after its send.
Wall time and CPU time (time.process_time, this process only) are reported.

    .venv/bin/python bench/alerts.py [--alerts N] [--runs R] [--db-url URL]
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from alerts.outbox import deliver_due  # noqa: E402
from settings.config import AppConfig  # noqa: E402
from storage import Database, open_database  # noqa: E402
from storage.alerts import queue_alerts  # noqa: E402
from storage.models import Article, Match, Source, Watch  # noqa: E402

NOW = dt.datetime(2026, 11, 28, 10, 0, tzinfo=dt.UTC)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextlib.contextmanager
def sink_server() -> Iterator[int]:
    """aiosmtpd's Sink on a loopback port, in a child process; yields the port."""
    port = free_port()
    command = [sys.executable, "-m", "aiosmtpd", "-n", "-c", "aiosmtpd.handlers.Sink"]
    process = subprocess.Popen([*command, "-l", f"127.0.0.1:{port}"])
    try:
        for _ in range(100):  # up to 10 s for the server to listen
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                time.sleep(0.1)
        else:
            raise RuntimeError("the SMTP sink did not start")
        yield port
    finally:
        process.terminate()
        process.wait(timeout=10)


def fill(db: Database, count: int) -> None:
    """``count`` matches, each with one immediate alert, as the match pipeline stores them."""
    with db.sessions.begin() as session:
        source = Source(name="Bench News")
        watch = Watch(name="Bench watch", query="acme")
        session.add_all([source, watch])
        session.flush()
        for n in range(count):
            article = Article(
                source_id=source.id,
                url=f"https://news.example/{n}",
                canonical_url=f"https://news.example/{n}",
                title=f"Acme story number {n} with a headline of ordinary length",
                published_at=NOW,
                body_origin="feed",
            )
            session.add(article)
            session.flush()
            match = Match(
                watch_id=watch.id,
                article_id=article.id,
                terms=["acme"],
                fields=["title"],
                snippet="Acme Corp said on Friday that profit rose by a tenth " * 3,
                highlights=[[0, 4]],
                matched_at=NOW,
            )
            session.add(match)
            session.flush()
            queue_alerts(
                session,
                match_id=match.id,
                watch_id=watch.id,
                article_id=article.id,
                recipients=[f"reader{n % 50}@example.org"],
                due_at=NOW,
            )


def run_once(count: int, db_url: str | None, port: int) -> tuple[int, float, float]:
    with tempfile.TemporaryDirectory() as tmp:
        db = open_database(db_url or f"sqlite:///{tmp}/bench.db")
        try:
            fill(db, count)
            config = AppConfig(data_dir=Path(tmp), smtp_url=f"smtp://127.0.0.1:{port}")
            wall, cpu = time.perf_counter(), time.process_time()
            report = deliver_due(db, config, NOW)
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        finally:
            db.dispose()
    if report.sent != count:
        raise RuntimeError(f"sent {report.sent} of {count}: {report.errors[:3]}")
    return report.sent, wall, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--alerts", type=int, default=2000, help="alerts per run (default 2000)")
    parser.add_argument("--runs", type=int, default=3, help="runs; the best is reported")
    parser.add_argument("--db-url", help="an EMPTY database to use instead of a temporary SQLite")
    args = parser.parse_args()
    if args.db_url and args.runs != 1:
        parser.error("--db-url needs --runs 1 (each run fills the database)")
    with sink_server() as port:
        results = [run_once(args.alerts, args.db_url, port) for _ in range(args.runs)]
    header = ("run", 4), ("alerts", 7), ("wall s", 8), ("cpu s", 8), ("alerts/min", 11)
    print(" ".join(f"{name:>{width}}" for name, width in header), f"{'cpu ms/alert':>13}")
    for number, (sent, wall, cpu) in enumerate(results, 1):
        print(
            f"{number:>4} {sent:>7} {wall:>8.2f} {cpu:>8.2f} {sent / wall * 60:>11,.0f} "
            f"{cpu / sent * 1000:>13.2f}"
        )
    sent, wall, _ = min(results, key=lambda r: r[1])
    print(f"best: {sent / wall * 60:,.0f} alerts/minute (one reused SMTP connection, loopback)")


if __name__ == "__main__":
    main()
