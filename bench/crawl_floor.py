"""The floor of ``bench/crawl.py``: a bare Scrapy spider that fetches a list of article URLs and
passes each page to ``trafilatura.extract`` (default settings) and does nothing else.

    python bench/crawl_floor.py URLS STATS [-s NAME=VALUE ...]

``URLS`` holds one ``slot<TAB>url`` a line: each request goes through that download slot (one per
source, each with ``CONCURRENT_REQUESTS_PER_DOMAIN`` concurrency, as newswatch's source slots).
No project settings are read: only Scrapy's defaults and the ``-s`` values. Writes
``{"responses", "extracted", "chars"}`` as JSON to ``STATS`` when the crawl closes.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import scrapy
import trafilatura
from scrapy.crawler import CrawlerProcess
from scrapy.http import Response
from scrapy.settings import Settings


class FloorSpider(scrapy.Spider):
    name = "floor"

    def __init__(self, urls: list[tuple[str, str]], stats_path: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.urls = urls
        self.stats_path = Path(stats_path)
        self.responses = self.extracted = self.chars = 0

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for slot, url in self.urls:
            yield scrapy.Request(
                url, callback=self.parse, dont_filter=True, meta={"download_slot": slot}
            )

    def parse(self, response: Response, **kwargs: Any) -> None:
        self.responses += 1
        text = trafilatura.extract(response.text)
        if text:
            self.extracted += 1
            self.chars += len(text)

    def closed(self, reason: str) -> None:
        stats = {"responses": self.responses, "extracted": self.extracted, "chars": self.chars}
        self.stats_path.write_text(json.dumps({**stats, "reason": reason}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("urls", type=Path)
    parser.add_argument("stats")
    parser.add_argument("-s", dest="settings", action="append", default=[], metavar="NAME=VALUE")
    args = parser.parse_args()
    urls = [
        (slot, url)
        for slot, _, url in (
            line.partition("\t") for line in args.urls.read_text("utf-8").splitlines() if line
        )
    ]
    settings = Settings()
    settings.setdict(dict(pair.split("=", 1) for pair in args.settings), priority="cmdline")
    per_slot = settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN")
    slots = {slot: {"concurrency": per_slot} for slot, _ in urls}
    settings.set("DOWNLOAD_SLOTS", slots, priority="cmdline")
    process = CrawlerProcess(settings)
    process.crawl(FloorSpider, urls=urls, stats_path=args.stats)
    process.start()


if __name__ == "__main__":
    main()
