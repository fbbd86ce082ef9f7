"""``scrapy alerts`` as a user runs it: list, --json, --send (the .eml default), --dry-run, --help;
and the SMTP password in none of their output."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from storage import open_database
from tests.alerts.conftest import NOW, PASSWORD, add_match, free_port

PROJECT = Path(__file__).resolve().parents[2]

# `scrapy alerts` through Scrapy's own entry point (settings, argument parser, exit status), with
# only this command registered: Scrapy imports every module of crawler/commands to list commands,
# so a sibling command's import error would otherwise fail these tests.
RUNNER = """
import sys
import scrapy.cmdline
from crawler.commands.alerts import Command
scrapy.cmdline._get_commands_from_module = lambda module, inproject: {"alerts": Command()}
sys.argv[0] = "scrapy"
scrapy.cmdline.execute()
"""


def scrapy_alerts(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("NEWSWATCH_")}
    environment |= {
        "NEWSWATCH_DB_URL": f"sqlite:///{tmp_path / 'newswatch.db'}",
        "NEWSWATCH_DATA_DIR": str(tmp_path / "data"),
        **env,
    }
    return subprocess.run(
        [sys.executable, "-c", RUNNER, "alerts", *args],
        cwd=PROJECT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture
def stored(tmp_path: Path) -> Path:
    db = open_database(f"sqlite:///{tmp_path / 'newswatch.db'}")
    add_match(db, recipients=["ana@example.org"], matched_at=NOW)
    add_match(db, url="https://news.example/digest", delivery="digest", matched_at=NOW)
    db.dispose()
    return tmp_path


def test_help_shows_options_and_no_password(tmp_path: Path) -> None:
    done = scrapy_alerts(
        tmp_path,
        "--help",
        NEWSWATCH_SMTP_URL=f"smtps://alerts:{PASSWORD}@127.0.0.1:465",
        NEWSWATCH_SMTP_PASSWORD=PASSWORD,
    )
    assert done.returncode == 0, done.stderr
    for option in ("--status", "--limit", "--json", "--send", "--dry-run"):
        assert option in done.stdout
    assert PASSWORD not in done.stdout + done.stderr


def test_list_send_and_list_again(stored: Path) -> None:
    listed = scrapy_alerts(stored, "--json")
    assert listed.returncode == 0, listed.stderr
    rows = [json.loads(line) for line in listed.stdout.splitlines()]
    assert [(r["id"], r["status"], r["delivery"], r["recipient"]) for r in rows] == [
        (2, "pending", "digest", "ana@example.org"),
        (1, "pending", "immediate", "ana@example.org"),
    ]

    sent = scrapy_alerts(stored, "--send")
    assert sent.returncode == 0, sent.stderr
    assert sent.stdout == "sent 2 alert(s) in 2 message(s), 0 to retry, 0 failed\n"
    outbox = stored / "data" / "outbox"
    assert sorted(p.name for p in outbox.iterdir()) == [
        "alert-1.acme@newswatch.eml",
        "digest-2.acme@newswatch.eml",
    ]
    assert [p.name for p in (stored / "data" / "feeds").iterdir()] == ["acme.atom"]

    table = scrapy_alerts(stored, "--status", "sent")
    assert table.returncode == 0, table.stderr
    lines = table.stdout.splitlines()
    assert lines[0] == (
        "ID  STATUS  WATCH  RECIPIENT        DELIVERY   DUE               TRIES  HEADLINE / ERROR"
    )
    assert len(lines) == 4 and lines[-1] == "pending 0, sent 2, failed 0"

    again = scrapy_alerts(stored, "--send")
    assert again.stdout == "sent 0 alert(s) in 0 message(s), 0 to retry, 0 failed\n"


def test_dry_run_prints_messages(stored: Path) -> None:
    done = scrapy_alerts(stored, "--dry-run")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("=== email to ana@example.org (alert 1, watch Acme) ===\n")
    assert "Subject: [Acme] Digest: 1 new match" in done.stdout
    assert "dry run: 2 message(s) for 2 alert(s) due" in done.stderr
    assert not (stored / "data" / "outbox").exists()


def test_server_down_exit_status_and_no_password(stored: Path) -> None:
    url = f"smtp://alerts:{PASSWORD}@127.0.0.1:{free_port()}?timeout=5"
    done = scrapy_alerts(stored, "--send", "-L", "DEBUG", NEWSWATCH_SMTP_URL=url)
    assert done.returncode == 1
    assert "0 to retry" not in done.stdout and "2 to retry" in done.stdout
    listed = scrapy_alerts(stored, "--json", NEWSWATCH_SMTP_URL=url)
    assert all(json.loads(line)["status"] == "pending" for line in listed.stdout.splitlines())
    everything = done.stdout + done.stderr + listed.stdout + listed.stderr
    assert "refused" in everything.lower()
    assert PASSWORD not in everything
    assert PASSWORD.encode() not in (stored / "newswatch.db").read_bytes()
