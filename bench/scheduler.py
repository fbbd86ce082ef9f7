"""Scheduler costs: idle CPU and memory, CPU per poll of an unchanged feed, sources kept up with.

``idle``: starts ``python scheduler.py`` on a fresh SQLite database whose sources are all due
tomorrow, lets it settle, then samples its CPU time and RSS from ``/proc`` over ``--seconds``
(targets: < 1 % of a core, < 150 MB). Its ticks (crawl-due every 60 s, send-alerts every 30 s)
still run: that is the real idle cost.

``poll``: serves N one-feed sources from a local HTTP server on 127.0.0.1 (static RSS feeds with
an ETag and Last-Modified, answering 304 to a conditional GET), runs ``scheduler.py --once``
once to fetch everything, then again with every source due and every feed unchanged. The CPU
time of that ``--once`` and its ``scrapy crawl`` child (``RUSAGE_CHILDREN``), less the CPU of a
``--once`` with nothing due, is the cost of polling N unchanged sources (target: <= 20 ms a
source). Two sizes give the fixed cost of a crawl process and the cost of one more source, and
so how many sources polled every 15 minutes one crawl process keeps up with.

    .venv/bin/python bench/scheduler.py idle [--seconds 60] [--sources 13]
    .venv/bin/python bench/scheduler.py poll [--sizes 20,200] [--items 3]

Linux only (``/proc``). Results are printed and written to ``bench/out/scheduler-*.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import select, update  # noqa: E402

from settings.sources import load_sources  # noqa: E402
from storage import open_database  # noqa: E402
from storage.models import CrawlRun, Source  # noqa: E402
from storage.schedule import ensure_sources, set_next_due  # noqa: E402

OUT = ROOT / "bench" / "out"
TICKS = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")
LAST_MODIFIED = formatdate(1_700_000_000, usegmt=True)
PERIOD = 15 * 60  # "polled every 15 minutes"


# --- process measurements (/proc) -------------------------------------------------------------


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a live process."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime, stime


def memory_mb(pid: int) -> tuple[float, float]:
    """(current RSS, peak RSS) in MB."""
    values = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, rest = line.partition(":")
        if key in {"VmRSS", "VmHWM"}:
            values[key] = int(rest.split()[0]) / 1024
    return values["VmRSS"], values["VmHWM"]


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


# --- a sources file and a database -------------------------------------------------------------


def write_sources(path: Path, names: list[str], feed_url: str) -> None:
    lines = ['[defaults]\ninterval = "15m"\n']
    for name in names:
        lines.append(f'[[sources]]\nname = "{name}"\nfeeds = ["{feed_url.format(name=name)}"]\n')
    path.write_text("\n".join(lines), encoding="utf-8")


def environment(folder: Path, sources: Path) -> dict[str, str]:
    watches = folder / "watches.toml"  # one watch that matches nothing: the matcher still runs
    watches.write_text('[[watches]]\nname = "none"\nquery = "zzyzx"\nrecipients = ["a@b.test"]\n')
    return {
        **os.environ,
        "NEWSWATCH_DB_URL": f"sqlite:///{folder / 'newswatch.db'}",
        "NEWSWATCH_SOURCES": str(sources),
        "NEWSWATCH_DATA_DIR": str(folder / "data"),
        "NEWSWATCH_WATCHES": str(watches),
        "NEWSWATCH_LOG_LEVEL": "WARNING",
    }


def set_all_due(env: dict[str, str], *, due_in: timedelta | None) -> None:
    """Every source due now (``None``) or ``due_in`` from now."""
    db = open_database(env["NEWSWATCH_DB_URL"])
    now = datetime.now(UTC)
    names = [source.name for source in load_sources(Path(env["NEWSWATCH_SOURCES"]))]
    with db.sessions.begin() as session:
        ensure_sources(session, names, now=now)
        if due_in is None:
            session.execute(update(Source).values(next_due_at=None))
        else:
            for name in names:
                set_next_due(session, name, interval=due_in, succeeded=True, failures=0, now=now)
    db.dispose()


# --- idle -------------------------------------------------------------------------------------


def bench_idle(seconds: float, count: int, settle: float) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="newswatch-bench-") as tmp:
        folder = Path(tmp)
        sources = folder / "sources.toml"
        write_sources(sources, [f"s{i:03d}" for i in range(count)], "http://127.0.0.1:9/{name}.xml")
        env = environment(folder, sources)
        set_all_due(env, due_in=timedelta(days=1))
        log = (folder / "scheduler.log").open("wb")
        process = subprocess.Popen(
            [sys.executable, str(ROOT / "scheduler.py")],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            time.sleep(settle)  # start-up (imports, migrations, first ticks) is not idle time
            if process.poll() is not None:
                raise RuntimeError(
                    f"the scheduler exited: {(folder / 'scheduler.log').read_text()}"
                )
            start_cpu, start_wall = cpu_seconds(process.pid), time.monotonic()
            time.sleep(seconds)
            cpu, wall = cpu_seconds(process.pid) - start_cpu, time.monotonic() - start_wall
            rss, peak = memory_mb(process.pid)
            crawls = len(list((folder / "data" / "logs").glob("crawl-*.log")))
        finally:
            process.send_signal(signal.SIGTERM)
            code = process.wait(timeout=120)
            log.close()
        return {
            "bench": "scheduler-idle",
            "sources": count,
            "seconds": round(wall, 1),
            "cpu_seconds": round(cpu, 3),
            "cpu_percent_of_a_core": round(100 * cpu / wall, 3),
            "rss_mb": round(rss, 1),
            "peak_rss_mb": round(peak, 1),
            "crawls_started": crawls,
            "exit_code_after_sigterm": code,
        }


# --- a local feed server ----------------------------------------------------------------------


class FeedSite:
    """``/<name>.xml``: an RSS feed of ``items`` articles at ``/<name>/<n>.html``; ETag and
    Last-Modified, 304 to a matching conditional GET. Counts responses by status."""

    def __init__(self, items: int) -> None:
        self.items = items
        self.statuses: Counter[int] = Counter()
        self.lock = threading.Lock()

    def feed(self, base: str, name: str) -> bytes:
        entries = "".join(
            f"<item><title>{name} story {n}</title><link>{base}/{name}/{n}.html</link>"
            f"<guid>{base}/{name}/{n}.html</guid><pubDate>{LAST_MODIFIED}</pubDate>"
            f"<description>Story {n} of {name}.</description></item>"
            for n in range(self.items)
        )
        return (
            '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
            f"<title>{name}</title><link>{base}/</link><description>bench</description>"
            f"{entries}</channel></rss>"
        ).encode()

    @staticmethod
    def page(name: str, n: str) -> bytes:
        para = (
            f"<p>This is story {n} of source {name}, a page long enough for the extractor to "
            "take it for an article: officials said on Monday that the talks would continue "
            "next week, while observers noted that little had changed since the last round.</p>"
        )
        return (
            f"<html><head><title>{name} story {n}</title></head><body><article>"
            f"<h1>{name} story {n}</h1>{para * 6}</article></body></html>"
        ).encode()

    def handler(self) -> type[BaseHTTPRequestHandler]:
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                base = f"http://{self.headers['Host']}"
                path = self.path.split("?")[0]
                headers = {"Content-Type": "text/html; charset=utf-8"}
                if path == "/robots.txt":
                    status, body = 200, b"User-agent: *\nDisallow:\n"
                    headers["Content-Type"] = "text/plain"
                elif path.endswith(".xml"):
                    name = path.strip("/")[:-4]
                    etag = f'"{name}-v1"'
                    headers = {
                        "Content-Type": "application/rss+xml; charset=utf-8",
                        "ETag": etag,
                        "Last-Modified": LAST_MODIFIED,
                    }
                    if self.headers.get("If-None-Match") == etag or (
                        self.headers.get("If-Modified-Since") == LAST_MODIFIED
                    ):
                        status, body = 304, b""
                    else:
                        status, body = 200, site.feed(base, name)
                elif path.endswith(".html") and path.count("/") == 2:
                    _, name, page = path.split("/")
                    status, body = 200, site.page(name, page[:-5])
                else:
                    status, body = 404, b"not found"
                with site.lock:
                    site.statuses[status] += 1
                self.send_response(status)
                for key, value in headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                return

        return Handler

    @contextmanager
    def serving(self) -> Iterator[str]:
        server = ThreadingHTTPServer(("127.0.0.1", 0), self.handler())
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield f"http://127.0.0.1:{server.server_address[1]}"
        finally:
            server.shutdown()
            server.server_close()


# --- poll ---------------------------------------------------------------------------------------


def check_runs(env: dict[str, str], *, expected: int) -> None:
    """Stop the bench if a crawl did not finish: its numbers would mean nothing."""
    db = open_database(env["NEWSWATCH_DB_URL"])
    with db.sessions.begin() as session:
        runs = session.scalars(select(CrawlRun).order_by(CrawlRun.id)).all()
        outcomes = [run.outcome for run in runs]
    db.dispose()
    if outcomes != ["finished"] * expected:
        logs = sorted((Path(env["NEWSWATCH_DATA_DIR"]) / "logs").glob("crawl-*.log"))
        tail = logs[-1].read_text(errors="replace")[-2000:] if logs else "(no crawl log)"
        raise RuntimeError(f"crawl runs ended {outcomes}, not {expected} finished:\n{tail}")


def once(env: dict[str, str], folder: Path, label: str) -> dict[str, float]:
    """One ``scheduler.py --once``: its wall time and the CPU of it and its crawl."""
    before_cpu, before_wall = children_cpu(), time.monotonic()
    with (folder / f"once-{label}.log").open("wb") as log:
        code = subprocess.call(
            [sys.executable, str(ROOT / "scheduler.py"), "--once", "--time-limit", "1h"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    if code != 0:
        raise RuntimeError(
            f"--once {label} exited {code}: {(folder / f'once-{label}.log').read_text()}"
        )
    return {"cpu": children_cpu() - before_cpu, "wall": time.monotonic() - before_wall}


def poll_size(count: int, items: int) -> dict[str, Any]:
    site = FeedSite(items)
    with tempfile.TemporaryDirectory(prefix="newswatch-bench-") as tmp, site.serving() as base:
        folder = Path(tmp)
        sources = folder / "sources.toml"
        write_sources(sources, [f"s{i:03d}" for i in range(count)], base + "/{name}.xml")
        env = environment(folder, sources)
        first = once(env, folder, "first")  # every feed and article is new
        check_runs(env, expected=1)
        fetched = dict(site.statuses)
        site.statuses.clear()
        set_all_due(env, due_in=None)
        unchanged = once(env, folder, "unchanged")  # every feed answers 304
        check_runs(env, expected=2)
        polled = dict(site.statuses)
        if polled.get(304) != count:
            raise RuntimeError(f"expected {count} answers 304, the site saw {polled}")
        idle = once(env, folder, "nothing-due")  # the scheduler's own cost, no crawl
        crawls = sorted((folder / "data" / "logs").glob("crawl-*.log"))
        tail = crawls[-1].read_text(errors="replace").splitlines()[-3:] if crawls else []
    crawl_cpu = unchanged["cpu"] - idle["cpu"]
    return {
        "sources": count,
        "first_poll": {"cpu_s": round(first["cpu"], 3), "wall_s": round(first["wall"], 2)},
        "first_poll_responses": fetched,
        "unchanged_poll_responses": polled,
        "unchanged_poll": {
            "cpu_s": round(unchanged["cpu"], 3),
            "wall_s": round(unchanged["wall"], 2),
        },
        "once_with_nothing_due": {"cpu_s": round(idle["cpu"], 3), "wall_s": round(idle["wall"], 2)},
        "crawl_cpu_s": round(crawl_cpu, 3),
        "crawl_wall_s": round(unchanged["wall"] - idle["wall"], 3),
        "cpu_ms_per_source_amortised": round(1000 * crawl_cpu / count, 2),
        "last_crawl_log_lines": tail,
    }


def bench_poll(sizes: list[int], items: int) -> dict[str, Any]:
    results = [poll_size(count, items) for count in sizes]
    report: dict[str, Any] = {"bench": "scheduler-poll", "items_per_feed": items, "sizes": results}
    if len(results) >= 2:
        small, large = results[0], results[-1]
        extra = large["sources"] - small["sources"]
        cpu_slope = (large["crawl_cpu_s"] - small["crawl_cpu_s"]) / extra
        wall_slope = (large["crawl_wall_s"] - small["crawl_wall_s"]) / extra
        cpu_fixed = small["crawl_cpu_s"] - cpu_slope * small["sources"]
        wall_fixed = small["crawl_wall_s"] - wall_slope * small["sources"]
        report["cpu_ms_per_extra_source"] = round(1000 * cpu_slope, 2)
        report["crawl_fixed_cpu_s"] = round(cpu_fixed, 3)
        report["wall_ms_per_extra_source"] = round(1000 * wall_slope, 2)
        report["crawl_fixed_wall_s"] = round(wall_fixed, 3)
        # One crawl process at a time, single-threaded: in each 15-minute period it has PERIOD
        # seconds of wall time, of which it needs cpu_fixed + n * cpu_slope of one core.
        if wall_slope > 0:
            report["sources_per_15_min_wall_bound"] = int((PERIOD - wall_fixed) / wall_slope)
        if cpu_slope > 0:
            report["sources_per_15_min_cpu_bound"] = int((PERIOD - cpu_fixed) / cpu_slope)
    return report


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    idle = commands.add_parser("idle", help="idle CPU and memory of the scheduler")
    idle.add_argument("--seconds", type=float, default=60.0)
    idle.add_argument("--settle", type=float, default=10.0, help="start-up seconds not measured")
    idle.add_argument("--sources", type=int, default=13)
    poll = commands.add_parser("poll", help="CPU per poll of an unchanged feed")
    poll.add_argument("--sizes", default="20,200", help="source counts, comma-separated")
    poll.add_argument("--items", type=int, default=3, help="entries per feed")
    args = parser.parse_args()
    if args.command == "idle":
        report = bench_idle(args.seconds, args.sources, args.settle)
    else:
        report = bench_poll([int(n) for n in args.sizes.split(",")], args.items)
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / f"{report['bench']}.json").write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
