"""Feed parsing throughput: crawler.feeds.parse_feed over the evaluation feeds and the fixtures.

Inputs: ``../shared/eval/feedparser-cases`` (with the manifest's simulated Content-Type),
``../shared/eval/realworld-feeds/test/input`` and ``tests/fixtures/feeds``; whichever exist.
Each corpus is parsed ``--runs`` times; the best run is reported as feeds/s, entries/s, MB/s
and CPU time (time.process_time, this process only) per feed, with outcomes by reason.
Also times canonicalize_url and content_hash on what the feeds hold.

    .venv/bin/python bench/feeds.py [--eval-dir PATH] [--runs R]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from crawler.feeds import FeedError, parse_feed  # noqa: E402
from crawler.fingerprint import content_hash  # noqa: E402
from crawler.urls import InvalidURLError, canonicalize_url  # noqa: E402

Doc = tuple[bytes, str, str | None]  # body, url, content type


def feedparser_cases(eval_dir: Path) -> list[Doc]:
    root = eval_dir / "feedparser-cases"
    if not root.is_dir():
        return []
    manifest = json.loads((root / "manifest.json").read_text())
    docs = []
    for path in sorted((root / "tests").rglob("*")):
        if path.is_file():
            rel = str(path.relative_to(root))
            headers = {
                k.lower(): v for k, v in manifest.get(rel, {}).get("http_headers", {}).items()
            }
            docs.append(
                (path.read_bytes(), f"http://feedparser.test/{rel}", headers.get("content-type"))
            )
    return docs


def files(directory: Path, suffixes: tuple[str, ...]) -> list[Doc]:
    if not directory.is_dir():
        return []
    return [
        (p.read_bytes(), f"http://pk-daily.test/{p.name}", None)
        for p in sorted(directory.iterdir())
        if p.suffix in suffixes
    ]


def best_of(runs: int, work: Callable[[], object]) -> tuple[float, float]:
    """(wall, cpu) seconds of the fastest run."""
    best = (float("inf"), float("inf"))
    for _ in range(runs):
        wall, cpu = time.perf_counter(), time.process_time()
        work()
        best = min(best, (time.perf_counter() - wall, time.process_time() - cpu))
    return best


def bench_corpus(name: str, docs: list[Doc], runs: int) -> list[str]:
    outcomes: Counter[str] = Counter()
    entries = 0
    links: list[str] = []
    texts: list[str] = []
    for body, url, content_type in docs:
        try:
            parsed = parse_feed(body, url, content_type=content_type)
        except FeedError as error:
            outcomes[f"error:{error.reason}"] += 1
            continue
        outcomes[f"ok:{parsed.warning_reason or 'clean'}"] += 1
        entries += len(parsed.entries)
        links.extend(e.link for e in parsed.entries if e.link)
        texts.extend(e.content or e.summary or "" for e in parsed.entries)

    def parse_all() -> None:
        for body, url, content_type in docs:
            with contextlib.suppress(FeedError):
                parse_feed(body, url, content_type=content_type)

    wall, cpu = best_of(runs, parse_all)
    size = sum(len(body) for body, _, _ in docs)
    lines = [
        f"{name}: {len(docs)} feeds, {entries} entries, {size / 1e6:.2f} MB",
        f"  parse_feed: {len(docs) / cpu:,.0f} feeds/s, {entries / cpu:,.0f} entries/s,"
        f" {size / 1e6 / cpu:.2f} MB/s, {cpu / len(docs) * 1e3:.3f} ms CPU/feed"
        f" (wall {wall:.3f} s, CPU {cpu:.3f} s, best of {runs})",
        "  outcomes: " + ", ".join(f"{k} {v}" for k, v in sorted(outcomes.items())),
    ]
    if links:

        def canon_all() -> None:
            for link in links:
                with contextlib.suppress(InvalidURLError):
                    canonicalize_url(link)

        _, cpu = best_of(runs, canon_all)
        lines.append(f"  canonicalize_url: {len(links) / cpu:,.0f} URLs/s ({len(links)} links)")
    if texts:
        _, cpu = best_of(runs, lambda: [content_hash(t) for t in texts])
        chars = sum(map(len, texts))
        lines.append(
            f"  content_hash: {len(texts) / cpu:,.0f} texts/s, {chars / 1e6 / cpu:.1f} M chars/s"
        )
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--eval-dir", type=Path, default=ROOT.parent / "shared" / "eval")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)
    corpora = {
        "feedparser-cases": feedparser_cases(args.eval_dir),
        "realworld-feeds": files(
            args.eval_dir / "realworld-feeds" / "test" / "input", (".rss", ".atom")
        ),
        "fixtures": files(ROOT / "tests" / "fixtures" / "feeds", (".xml", ".html")),
    }
    for name, docs in corpora.items():
        if not docs:
            print(f"{name}: not found, skipped")
            continue
        print("\n".join(bench_corpus(name, docs, args.runs)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
