"""End to end: `python scheduler.py --once` runs the real crawl against the fixture site,
sends the alerts it queued as .eml files, and a second run fetches and sends nothing new."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.e2e.helpers import ROOT, TEST_SETTINGS, Project, write_sources
from tests.site import Site

pytestmark = pytest.mark.e2e


def run_once(project: Project) -> subprocess.CompletedProcess[str]:
    settings = [part for name, value in TEST_SETTINGS.items() for part in ("-s", f"{name}={value}")]
    crawl = " ".join([sys.executable, "-m", "scrapy", "crawl", "feeds", *settings])
    result = subprocess.run(
        [sys.executable, "scheduler.py", "--once", "--crawl-command", crawl],
        cwd=ROOT,
        env=project.env(),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-4000:]
    return result


def test_scheduled_run_crawls_alerts_once_and_then_waits(site: Site, project: Project) -> None:
    write_sources(
        project.sources,
        {"pk-daily": [site.url("pk-daily", "/feed.xml")]},
        interval='"1h"',
    )
    first = run_once(project)
    assert "crawl run 1: finished" in first.stderr
    titles = [a["title"] for a in project.json_lines("articles", "--limit", "50")]
    assert "Karachi Kites edge Lahore Lions in last-over thriller" in titles
    outbox = project.data_dir / "outbox"
    sent = sorted(p.name for p in outbox.glob("*.eml"))
    # counterterrorism (1 recipient) and cybercrime (2 recipients) match the security story
    assert len([n for n in sent if ".counterterrorism@" in n]) == 1
    assert len([n for n in sent if ".cybercrime@" in n]) == 2
    assert (project.data_dir / "feeds" / "counterterrorism.atom").exists()
    [source] = project.json_lines("sources")
    assert source["last_outcome"] == "ok"
    assert source["next_due_at"] > source["last_crawl_at"]

    site.clear_log()
    second = run_once(project)
    assert "crawl run" not in second.stderr  # not due again for an hour
    assert not site.requests()
    assert sorted(p.name for p in outbox.glob("*.eml")) == sent
