"""Produce the README's command examples: crawl the fixture site on 127.0.0.1, run each command.

    .venv/bin/python docs/demo.py > /tmp/demo.txt

Uses a temporary database and data directory; nothing leaves the machine.
"""

from __future__ import annotations

import shlex
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.e2e.helpers import Project, write_sources  # noqa: E402
from tests.site import serve  # noqa: E402

COMMANDS = [
    ["crawl", "feeds"],
    ["articles", "--limit", "5"],
    ["articles", "--source", "pk-daily", "--limit", "1", "--json"],
    ["sources"],
    ["matches", "--limit", "3"],
    ["watches"],
    ["watch-test", 'cyber* OR "terror financing"', "--since", "7d", "--show", "2"],
    ["alerts", "--limit", "5"],
    ["stories", "--min-size", "2"],
]


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        for site in serve(["pk-daily", "wire-times", "broken-news"]):
            project = Project(
                db_url=f"sqlite:///{work / 'newswatch.db'}",
                sources=work / "sources.toml",
                watches=ROOT / "settings" / "watches.toml",
                data_dir=work / "data",
            )
            write_sources(
                project.sources,
                {
                    "pk-daily": [site.url("pk-daily", "/feed.xml")],
                    "wire-times": [site.url("wire-times", "/atom.xml")],
                    "broken-news": [site.url("broken-news", "/feed.xml")],
                },
            )
            for args in COMMANDS:
                result = project.scrapy(*args)
                print(f"$ scrapy {shlex.join(args)}")
                out = result.stdout if args[0] != "crawl" else _crawl_summary(result.stderr)
                print(out.replace(str(work), "/tmp/demo").rstrip())
                print()


def _crawl_summary(log: str) -> str:
    keep = [
        line for line in log.splitlines() if "crawl finished" in line or "crawler.recorder" in line
    ]
    return "\n".join(keep)


if __name__ == "__main__":
    main()
