"""One database handle per crawler, shared by the spider, pipelines and extensions.

Reads the ``NEWSWATCH_DB_URL`` setting; the schema is migrated when the handle is first opened.
"""

from __future__ import annotations

import weakref

from scrapy.crawler import Crawler

from storage import Database, open_database

_handles: weakref.WeakKeyDictionary[Crawler, Database] = weakref.WeakKeyDictionary()


def database_for(crawler: Crawler) -> Database:
    """The crawler's database, opened (and migrated) on first use."""
    handle = _handles.get(crawler)
    if handle is None:
        handle = open_database(crawler.settings.get("NEWSWATCH_DB_URL"))
        _handles[crawler] = handle
    return handle


def close_database(crawler: Crawler) -> None:
    handle = _handles.pop(crawler, None)
    if handle is not None:
        handle.dispose()
