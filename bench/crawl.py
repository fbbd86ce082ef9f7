"""Crawl throughput and cost: newswatch's ``scrapy crawl feeds`` on a generated news site, against
a floor of bare Scrapy plus the extraction library alone.

Generates a seeded site of ``--articles`` WordPress-like article pages over ``--sources`` sources,
each with a paged RSS feed (``bench/crawl_site.py``), serves it on 127.0.0.1 (one port per
source) and runs, each in its own process, with the same concurrency and no delays:

1. first crawl: ``scrapy crawl feeds`` on a fresh database (SQLite in a temp dir, or a fresh
   PostgreSQL database with ``--postgres``), the default watches: articles/s, CPU seconds per
   stored article, peak RSS, requests per new article;
2. second crawl of the unchanged site: the same figures (target: no article request at all);
3. floor: ``bench/crawl_floor.py``, a bare Scrapy spider fetching the same article URLs and
   calling ``trafilatura.extract`` on each page.

Targets: newswatch's CPU per stored article at most 1.3 times the floor's CPU per article; no
article request on the second crawl. CPU (user + system) and peak RSS are the crawl process's
own: each runs under a small wrapper process that reports its ``RUSAGE_CHILDREN``. Request
counts are the server's. The three runs are repeated ``--rounds`` times (2) and each is reported
by its round with the least CPU, since other load on the machine only ever adds to it. Exit code
1 when a target is missed or a crawl did not store every article.

    .venv/bin/python bench/crawl.py [--articles 3000] [--sources 20] [--rounds 2]
                                    [--postgres URL] [--profile FILE] [--keep] [--json]

Prints a table (with ``--json``: the results as JSON on stdout, the table on stderr) and writes
the results to ``bench/out/crawl.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(ROOT))

import crawl_site  # noqa: E402
from sqlalchemy import create_engine, make_url, text  # noqa: E402

import settings.crawl as project  # noqa: E402
from storage.db import make_engine  # noqa: E402

OUT = BENCH / "out"
CPU_RATIO_TARGET = 1.3
WATCHES = ROOT / "settings" / "watches.toml"

# The newswatch project settings that also shape a bare Scrapy crawl: the floor gets the same.
SHARED_PROJECT_SETTINGS = (
    "USER_AGENT", "ROBOTSTXT_OBEY", "DOWNLOAD_TIMEOUT", "DOWNLOAD_MAXSIZE", "DOWNLOAD_WARNSIZE",
    "REDIRECT_MAX_TIMES", "RETRY_TIMES", "COOKIES_ENABLED", "TELNETCONSOLE_ENABLED",
    "REFERER_ENABLED", "DOWNLOAD_FAIL_ON_DATALOSS", "REMOTE_CONTROL_ENABLED", "TWISTED_REACTOR",
    "LOG_FORMAT",
)  # fmt: skip

# Runs a command and reports the resources of it (and its children) alone, as JSON in argv[1].
WRAPPER = """
import json, resource, subprocess, sys, time
start = time.perf_counter()
code = subprocess.call(sys.argv[2:])
wall = time.perf_counter() - start
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
with open(sys.argv[1], "w") as out:
    json.dump({"code": code, "wall": wall, "user": usage.ru_utime, "sys": usage.ru_stime,
               "maxrss_kb": usage.ru_maxrss}, out)
sys.exit(code)
"""


def note(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# --- running one measured process ----------------------------------------------------------


@dataclass(frozen=True)
class Usage:
    wall: float
    user: float
    sys: float
    maxrss_mb: float

    @property
    def cpu(self) -> float:
        return self.user + self.sys


def measured(
    name: str, command: list[str], *, cwd: Path, env: dict[str, str], folder: Path
) -> Usage:
    """Run ``command`` under the wrapper; its log goes to ``folder/<name>.log``."""
    report, log = folder / f"{name}.usage.json", folder / f"{name}.log"
    with log.open("wb") as handle:
        code = subprocess.call(
            [sys.executable, "-c", WRAPPER, str(report), *command],
            cwd=cwd,
            env=env,
            stdout=handle,
            stderr=subprocess.STDOUT,
            timeout=3600,
        )
    if code != 0:
        tail = log.read_text(errors="replace")[-3000:]
        raise RuntimeError(f"{name} exited with {code}; the end of its log:\n{tail}")
    usage = json.loads(report.read_text())
    return Usage(usage["wall"], usage["user"], usage["sys"], usage["maxrss_kb"] / 1024)


def clean_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith(("NEWSWATCH_", "SCRAPY_"))}


def as_args(settings: dict[str, str]) -> list[str]:
    return [arg for name, value in settings.items() for arg in ("-s", f"{name}={value}")]


# --- the database --------------------------------------------------------------------------


@contextmanager
def database(folder: Path, postgres: str | None) -> Iterator[str]:
    """A fresh database URL: SQLite under ``folder``, or a new PostgreSQL database (dropped)."""
    if postgres is None:
        yield f"sqlite:///{folder / 'newswatch.db'}"
        return
    admin = make_url(postgres).set(drivername="postgresql+psycopg")
    name = f"newswatch_bench_{uuid.uuid4().hex[:12]}"
    engine = create_engine(admin, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(postgres).set(database=name).render_as_string(hide_password=False)
    finally:
        with engine.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        engine.dispose()


def db_figures(url: str) -> dict[str, Any]:
    """Stored articles (by body origin), matches and crawl-run outcomes."""
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                text("SELECT body_origin, count(*) FROM articles GROUP BY body_origin")
            )
            origins = {str(origin): int(count) for origin, count in rows}
            matches = conn.scalar(text("SELECT count(*) FROM matches")) or 0
            runs = list(conn.scalars(text("SELECT outcome FROM crawl_runs ORDER BY id")))
    finally:
        engine.dispose()
    return {"articles": sum(origins.values()), "origins": origins, "matches": matches, "runs": runs}


# --- the three runs ------------------------------------------------------------------------


def crawl_figures(
    usage: Usage, requests: dict[str, Any], stored: int, extra: dict[str, Any]
) -> dict[str, Any]:
    articles = requests["by_kind"].get("article", 0)
    return {
        "wall_s": round(usage.wall, 2),
        "cpu_s": round(usage.cpu, 2),
        "user_s": round(usage.user, 2),
        "sys_s": round(usage.sys, 2),
        "peak_rss_mb": round(usage.maxrss_mb, 1),
        "articles_stored": stored,
        "articles_per_s": round(stored / usage.wall, 1) if stored else None,
        "cpu_ms_per_article": round(1000 * usage.cpu / stored, 2) if stored else None,
        "requests": requests,
        "article_requests": articles,
        "requests_per_new_article": round(requests["total"] / stored, 3) if stored else None,
        **extra,
    }


@dataclass(frozen=True)
class Setup:
    """What every run of one bench shares: the site, the sources file, the Scrapy settings."""

    site: crawl_site.BenchSite
    sources: Path
    fast: dict[str, str]
    postgres: str | None


def run_newswatch(
    setup: Setup, label: str, db_url: str, folder: Path, profile: Path | None = None
) -> tuple[Usage, dict[str, Any], dict[str, Any]]:
    env = clean_env() | {
        "NEWSWATCH_DB_URL": db_url,
        "NEWSWATCH_SOURCES": str(setup.sources),
        "NEWSWATCH_WATCHES": str(WATCHES),
        "NEWSWATCH_DATA_DIR": str(folder / "data"),
        "NEWSWATCH_LOG_LEVEL": "INFO",
    }
    settings = setup.fast | {"NEWSWATCH_MAX_FEED_PAGES": str(setup.site.max_feed_pages)}
    command = [sys.executable, "-m", "scrapy", "crawl", "feeds", *as_args(settings)]
    if profile is not None:
        command += ["--profile", str(profile.resolve())]
    note(f"  {label} ...")
    setup.site.stats.take()
    usage = measured(label, command, cwd=ROOT, env=env, folder=folder)
    return usage, setup.site.stats.take(), db_figures(db_url)


def run_floor(setup: Setup, folder: Path) -> tuple[Usage, dict[str, Any], dict[str, Any]]:
    urls = folder / "article-urls.tsv"
    urls.write_text("".join(f"{slot}\t{url}\n" for slot, url in setup.site.article_urls()))
    stats = folder / "floor-stats.json"
    settings = {name: str(getattr(project, name)) for name in SHARED_PROJECT_SETTINGS}
    settings |= setup.fast | {"LOG_LEVEL": "INFO"}
    command = [sys.executable, str(BENCH / "crawl_floor.py"), str(urls), str(stats)]
    note("  floor (bare Scrapy + trafilatura.extract) ...")
    setup.site.stats.take()
    # From the temp dir: no scrapy.cfg, so nothing of newswatch's project settings applies.
    usage = measured(
        "floor", [*command, *as_args(settings)], cwd=folder, env=clean_env(), folder=folder
    )
    return usage, setup.site.stats.take(), json.loads(stats.read_text())


def one_round(setup: Setup, folder: Path, profile: Path | None) -> dict[str, Any]:
    """First crawl and second crawl on a fresh database, then the floor."""
    folder.mkdir()
    with database(folder, setup.postgres) as db_url:
        usage1, requests1, db1 = run_newswatch(setup, "first-crawl", db_url, folder, profile)
        usage2, requests2, db2 = run_newswatch(setup, "second-crawl", db_url, folder)
    usage_floor, requests_floor, floor_stats = run_floor(setup, folder)
    return {
        "first_crawl": crawl_figures(
            usage1,
            requests1,
            db1["articles"],
            {"stored_by_origin": db1["origins"], "matches": db1["matches"]},
        ),
        "second_crawl": crawl_figures(
            usage2,
            requests2,
            db2["articles"] - db1["articles"],
            {"matches_added": db2["matches"] - db1["matches"], "crawl_runs": db2["runs"]},
        ),
        "floor": crawl_figures(
            usage_floor, requests_floor, floor_stats["responses"], {"floor": floor_stats}
        ),
    }


def bench(args: argparse.Namespace, folder: Path) -> dict[str, Any]:
    started = time.perf_counter()
    site = crawl_site.generate(
        folder / "site",
        articles=args.articles,
        sources=args.sources,
        per_page=args.per_page,
        seed=args.seed,
    )
    sizes = crawl_site.article_sizes(site)
    note(
        f"generated {site.articles} articles over {len(site.sources)} sources in "
        f"{time.perf_counter() - started:.1f} s (median page {crawl_site.median(sizes) / 1024:.0f}"
        f" KiB, feeds of {args.per_page} entries, up to {site.max_feed_pages} pages)"
    )
    sources = folder / "sources.toml"
    sources.write_text(site.sources_toml())
    fast = {
        "AUTOTHROTTLE_ENABLED": "False",
        "DOWNLOAD_DELAY": "0",
        "CONCURRENT_REQUESTS": str(args.concurrency),
        "CONCURRENT_REQUESTS_PER_DOMAIN": str(args.per_slot),
    }
    setup = Setup(site, sources, fast, args.postgres)
    rounds = []
    with crawl_site.serving(site):
        for number in range(1, args.rounds + 1):
            note(f"round {number} of {args.rounds}:")
            profile = args.profile if number == 1 else None
            rounds.append(one_round(setup, folder / f"round-{number}", profile))
    # Other load on the machine only ever adds CPU time: each run's figures are its best round's.
    best = {
        run: min((r[run] for r in rounds), key=lambda figures: figures["cpu_s"])
        for run in ("first_crawl", "second_crawl", "floor")
    }
    first, second, floor = best["first_crawl"], best["second_crawl"], best["floor"]
    ratio = first["cpu_ms_per_article"] / floor["cpu_ms_per_article"]
    checks = {
        "first_crawl_stored_every_article_from_its_page": all(
            r["first_crawl"]["stored_by_origin"] == {"page": site.articles} for r in rounds
        ),
        "crawl_runs_finished": all(
            r["second_crawl"]["crawl_runs"] == ["finished", "finished"] for r in rounds
        ),
        "floor_extracted_every_page": all(
            r["floor"]["floor"]["extracted"] == site.articles for r in rounds
        ),
        "second_crawl_zero_article_requests": all(
            r["second_crawl"]["article_requests"] == 0 for r in rounds
        ),
        f"cpu_per_article_at_most_{CPU_RATIO_TARGET}x_floor": ratio <= CPU_RATIO_TARGET,
    }
    return {
        "bench": "crawl",
        "articles": site.articles,
        "sources": len(site.sources),
        "feed_entries_per_page": args.per_page,
        "max_feed_pages": site.max_feed_pages,
        "median_page_bytes": crawl_site.median(sizes),
        "seed": args.seed,
        "database": "postgresql" if args.postgres else "sqlite",
        "concurrency": {"requests": args.concurrency, "per_slot": args.per_slot},
        "cpus": os.cpu_count(),
        "load_average_at_end": [round(x, 2) for x in os.getloadavg()],
        "rounds": len(rounds),
        "first_crawl": first,
        "second_crawl": second,
        "floor": floor,
        "cpu_s_by_round": {
            run: [r[run]["cpu_s"] for r in rounds]
            for run in ("first_crawl", "second_crawl", "floor")
        },
        "cpu_ratio_to_floor": round(ratio, 3),
        "cpu_ratio_target": CPU_RATIO_TARGET,
        "checks": checks,
        "profile": str(args.profile) if args.profile else None,
    }


# --- the report ------------------------------------------------------------------------------


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:,.2f}"
    return f"{value:,}"


def table(report: dict[str, Any]) -> str:
    rows = [
        ("first crawl", report["first_crawl"]),
        ("second crawl (unchanged)", report["second_crawl"]),
        ("floor: Scrapy + trafilatura", report["floor"]),
    ]
    header = (
        "run", "wall s", "articles", "art/s", "CPU s", "CPU ms/art", "peak RSS MB",
        "requests", "article req", "req/new art",
    )  # fmt: skip
    lines = [
        [
            name,
            _cell(r["wall_s"]),
            _cell(r["articles_stored"]),
            _cell(r["articles_per_s"]),
            _cell(r["cpu_s"]),
            _cell(r["cpu_ms_per_article"]),
            _cell(r["peak_rss_mb"]),
            _cell(r["requests"]["total"]),
            _cell(r["article_requests"]),
            _cell(r["requests_per_new_article"]),
        ]
        for name, r in rows
    ]
    widths = [max(len(str(row[i])) for row in [header, *lines]) for i in range(len(header))]
    out = [
        f"newswatch crawl bench: {report['articles']} articles, {report['sources']} sources on "
        f"127.0.0.1, {report['database']}, {report['concurrency']['requests']} concurrent "
        f"requests ({report['concurrency']['per_slot']} per source), {report['cpus']} CPUs; "
        f"each run's best of {report['rounds']} rounds by CPU",
        "",
    ]
    for row in [header, *lines]:
        cells = [row[0].ljust(widths[0])] + [
            c.rjust(w) for c, w in zip(row[1:], widths[1:], strict=True)
        ]
        out.append("  ".join(cells))
    out.append("")
    for name, r in rows:
        kinds = ", ".join(f"{k} {v}" for k, v in sorted(r["requests"]["by_kind"].items()))
        statuses = ", ".join(f"{k}: {v}" for k, v in sorted(r["requests"]["by_status"].items()))
        out.append(f"{name} requests: {kinds} (status {statuses})")
    by_round = "; ".join(
        f"{name} {', '.join(f'{cpu:.2f}' for cpu in report['cpu_s_by_round'][run])}"
        for name, run in (("first", "first_crawl"), ("second", "second_crawl"), ("floor", "floor"))
    )
    out.append(
        f"CPU s by round: {by_round} (load average at the end {report['load_average_at_end']})"
    )
    out.append("")
    ratio, target = report["cpu_ratio_to_floor"], report["cpu_ratio_target"]
    passed = report["checks"]
    out.append(
        f"CPU per stored article / floor CPU per article: {ratio:.2f} (target <= {target}): "
        + ("PASS" if ratio <= target else "FAIL")
    )
    out.append(
        "second crawl article requests, every round: "
        f"{report['second_crawl']['article_requests']} (target 0): "
        + ("PASS" if passed["second_crawl_zero_article_requests"] else "FAIL")
    )
    for name, ok in passed.items():
        if not ok and not name.startswith(("second_crawl", "cpu_per")):
            out.append(f"CHECK FAILED: {name}")
    return "\n".join(out)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=3000)
    parser.add_argument("--sources", type=int, default=20)
    parser.add_argument("--per-page", type=int, default=50, help="feed entries per feed page")
    parser.add_argument("--seed", type=int, default=20250601)
    parser.add_argument("--concurrency", type=int, default=32, help="CONCURRENT_REQUESTS")
    parser.add_argument(
        "--per-slot", type=int, default=8, help="concurrent requests per source (download slot)"
    )
    parser.add_argument(
        "--rounds",
        type=int,
        default=2,
        help="repeat the three runs; each run's figures are its round with the least CPU",
    )
    parser.add_argument("--postgres", metavar="URL", help="crawl into a fresh database there")
    parser.add_argument(
        "--profile",
        type=Path,
        metavar="FILE",
        help="write cProfile stats of round 1's first crawl to FILE (slows that crawl)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the temp dir (site, logs, db)")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    args = parser.parse_args()
    if args.articles < args.sources:
        parser.error("--articles must be at least --sources")
    folder = Path(tempfile.mkdtemp(prefix="newswatch-bench-crawl-"))
    try:
        report = bench(args, folder)
    finally:
        if args.keep:
            note(f"kept {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "crawl.json").write_text(json.dumps(report, indent=2) + "\n")
    if args.json:
        note(table(report))
        print(json.dumps(report, indent=2))
    else:
        print(table(report))
    return 0 if all(report["checks"].values()) else 1


if __name__ == "__main__":
    sys.exit(main())
