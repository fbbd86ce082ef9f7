"""A fake ``scrapy crawl feeds`` for the scheduler tests.

Usage: ``fake_crawl.py MODE -a source=A,B -s NEWSWATCH_RUN_ID=N -s NEWSWATCH_LEASE_SECONDS=S``.
Modes: ``ok``; ``fail`` (every source fails); ``exit1``; ``hang``; ``stubborn`` (hangs; started
with SIGTERM ignored, see ``conftest.fake_command``); ``selfkill`` (SIGKILLs itself, as the OOM
killer would); ``silent`` (exits 0 without recording); ``hold`` (claims, writes
``$FAKE_CRAWL_DIR/started-N``, then finishes ok once ``$FAKE_CRAWL_DIR/release`` exists).
Uses the database and sources of ``NEWSWATCH_*``.
"""

from __future__ import annotations

import os
import signal
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))


def _options(argv: list[str]) -> tuple[list[str], int, timedelta]:
    names: list[str] = []
    run_id, lease = 0, timedelta(hours=1)
    for flag, value in zip(argv[::2], argv[1::2], strict=True):
        key, _, val = value.partition("=")
        if flag == "-a" and key == "source":
            names = val.split(",")
        elif flag == "-s" and key == "NEWSWATCH_RUN_ID":
            run_id = int(val)
        elif flag == "-s" and key == "NEWSWATCH_LEASE_SECONDS":
            lease = timedelta(seconds=int(val))
    return names, run_id, lease


def main() -> int:
    mode, rest = sys.argv[1], sys.argv[2:]
    names, run_id, lease = _options(rest)
    print(f"fake crawl {mode} run {run_id} sources {names}", flush=True)
    if mode == "exit1":
        return 1
    if mode == "selfkill":
        os.kill(os.getpid(), signal.SIGKILL)
    if mode in {"hang", "stubborn"}:
        while True:
            time.sleep(3600)
    if mode == "silent":
        return 0
    # the database modes import the project only now, so the others start fast
    from settings.config import load_config
    from settings.sources import load_sources
    from storage import open_database
    from tests.scheduler.doubles import claim, finish

    config = load_config()
    db = open_database(config.resolved_db_url)
    claimed = claim(db, run_id, names, lease=lease, now=datetime.now(UTC))
    if mode == "hold":
        folder = Path(os.environ["FAKE_CRAWL_DIR"])
        (folder / f"started-{run_id}").write_text(str(os.getpid()))
        while not (folder / "release").exists():
            time.sleep(0.05)
    configured = load_sources(config.sources_file)
    failing = set(claimed) if mode == "fail" else set()
    finish(db, run_id, claimed, configured, now=datetime.now(UTC), failing=failing)
    db.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
