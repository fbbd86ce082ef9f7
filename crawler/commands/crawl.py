"""``scrapy crawl``, checking newswatch's configuration before any request is made.

A bad sources or watches file, or an unknown ``-a source=`` name, is a usage error that names
the file, the entry and the field (or lists the valid source names).
"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from scrapy.commands.crawl import Command as ScrapyCrawl
from scrapy.exceptions import UsageError

from crawler.spiders.feeds import UnknownSourceError, select_sources
from settings.config import ConfigError
from settings.sources import load_sources
from watches.spec import WatchConfigError, load_watches


class Command(ScrapyCrawl):
    def long_desc(self) -> str:
        return (
            "Run a spider. `scrapy crawl feeds` crawls every enabled source once; "
            "`-a source=NAME[,NAME...]` crawls only those. The sources and watches files are "
            "checked first."
        )

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        assert self.settings is not None
        if args and args[0] == "feeds":
            try:
                sources = load_sources(Path(self.settings["NEWSWATCH_SOURCES"]))
                select_sources(sources, dict(opts.spargs).get("source"))
                load_watches(Path(self.settings["NEWSWATCH_WATCHES"]))
            except (ConfigError, WatchConfigError, UnknownSourceError) as error:
                raise UsageError(str(error), print_help=False) from None
        # Scrapy leaves the root logger at NOTSET and drops records by level in its handler, so
        # every debug call (several per article) would build a record only to throw it away.
        logging.root.setLevel(self.settings.get("LOG_LEVEL"))
        super().run(args, opts)
