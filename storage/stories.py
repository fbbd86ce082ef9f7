"""Story queries: the LSH band index, story membership and the story listings.

Functions take the ``Session`` first; the caller owns the transaction. ``stories.cluster`` decides
which story an article joins; this module only reads and writes the rows.
"""

from __future__ import annotations

import functools
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import (
    Integer,
    String,
    Text,
    bindparam,
    case,
    column,
    func,
    insert,
    select,
    table,
    text,
)
from sqlalchemy import update as sql_update
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import TextClause

from storage.models import Base, Source
from storage.story_models import ArticleSignature, Story
from storage.types import UTCDateTime

__all__ = [
    "STORY_LOCK_NAMESPACE",
    "Candidate",
    "StorySummary",
    "add_to_story",
    "article_story_id",
    "create_story",
    "find_candidates",
    "index_article",
    "list_stories",
    "lock_band_keys",
    "story_sources",
]

#: First key of PostgreSQL's two-int advisory locks taken on band keys ("STRY"); the two-int key
#: space is separate from the one-bigint space, so other users of advisory locks cannot collide.
STORY_LOCK_NAMESPACE = 0x53545259

# unnest() returns the sorted array in order, so the locks are taken in that order.
_LOCK_KEYS = text(
    "SELECT pg_advisory_xact_lock(:namespace, k) FROM unnest(CAST(:keys AS integer[])) AS k"
)

# A Core view of ``articles`` including ``story_id``, which migration 0003 adds. It does not depend
# on the ORM model having the column yet; every query here uses this one object for the table.
_articles = table(
    "articles",
    column("id", Integer),
    column("source_id", Integer),
    column("canonical_url", String),
    column("title", Text),
    column("first_seen_at", UTCDateTime()),
    column("story_id", Integer),
)


# Statements built once: building them per call costs more than running them on SQLite.
@functools.lru_cache(maxsize=64)
def _find_candidates_sql(key_count: int, limit: int, per_key: int) -> str:
    """Candidates for ``key_count`` band keys (bound by position), SQLite's form.

    One index probe per key, each capped at ``per_key`` rows, newest first: a key shared by
    a crowd of articles (boilerplate) costs no more than a rare one, so the cost stays flat as
    the archive grows. Driver-level SQL with positional parameters: as a SQLAlchemy statement,
    finding the cache key of 42 arms and binding 42 named parameters cost more than SQLite
    running the query.
    """
    probe = (
        "SELECT article_id FROM (SELECT article_id FROM story_bands WHERE band_key = ?"
        f" ORDER BY article_id DESC LIMIT {int(per_key)})"
    )
    probes = "\n            UNION ALL ".join([probe] * key_count)
    return f"""
        SELECT s.article_id, a.story_id, s.signature, s.shingle_count, hits.shared
        FROM (
            SELECT article_id, count(*) AS shared
            FROM ({probes})
            GROUP BY article_id
            ORDER BY count(*) DESC, article_id
            LIMIT {int(limit)}
        ) AS hits
        JOIN article_signatures AS s ON s.article_id = hits.article_id
        JOIN articles AS a ON a.id = s.article_id
        ORDER BY hits.shared DESC, s.article_id
        """


@functools.lru_cache(maxsize=8)
def _pg_find_candidates_statement(limit: int, per_key: int) -> TextClause:
    """The same for PostgreSQL, the keys bound as one array: a lateral index probe per key.

    An index scan whatever the statistics (autovacuum may be off, or not have run yet). The
    limits are written into the SQL rather than bound: with bound limits PostgreSQL can find
    its generic plan dearer than a custom one and re-plan on every execution.
    """
    return text(
        f"""
        SELECT s.article_id, a.story_id, s.signature, s.shingle_count, hits.shared
        FROM (
            SELECT b.article_id, count(*) AS shared
            FROM unnest(CAST(:keys AS bigint[])) AS k (band_key)
            CROSS JOIN LATERAL (
                SELECT article_id FROM story_bands
                WHERE story_bands.band_key = k.band_key
                ORDER BY article_id DESC LIMIT {int(per_key)}
            ) AS b
            GROUP BY b.article_id
            ORDER BY count(*) DESC, b.article_id
            LIMIT {int(limit)}
        ) AS hits
        JOIN article_signatures AS s ON s.article_id = hits.article_id
        JOIN articles AS a ON a.id = s.article_id
        ORDER BY hits.shared DESC, s.article_id
        """
    )


_stories = Base.metadata.tables[Story.__tablename__]
_INSERT_SIGNATURE = insert(Base.metadata.tables[ArticleSignature.__tablename__])
# executemany suits SQLite (one prepared statement, in process; driver-level, so SQLAlchemy does
# not process 42 parameter sets); psycopg would send one statement per row, so PostgreSQL gets
# the keys as one array.
_SQLITE_INSERT_BANDS = "INSERT INTO story_bands (band_key, article_id) VALUES (?, ?)"
_PG_INSERT_BANDS = text(
    "INSERT INTO story_bands (band_key, article_id) "
    "SELECT k, :article_id FROM unnest(CAST(:keys AS bigint[])) AS k"
)
_ARTICLE_STORY = select(_articles.c.story_id).where(_articles.c.id == bindparam("article_id"))
_CREATE_STORY = insert(_stories).values(size=1).returning(_stories.c.id)
_SET_ARTICLE_STORY = (
    sql_update(_articles)
    .where(_articles.c.id == bindparam("article_id"))
    .values(story_id=bindparam("new_story_id"))
)
_seen = bindparam("seen", type_=UTCDateTime())
_first_seen, _last_seen = _stories.c.first_seen_at, _stories.c.last_seen_at
_ADD_TO_STORY = (
    sql_update(_stories)
    .where(_stories.c.id == bindparam("target_story_id"))
    .values(
        size=_stories.c.size + 1,
        first_seen_at=case((_first_seen > _seen, _seen), else_=_first_seen),
        last_seen_at=case((_last_seen < _seen, _seen), else_=_last_seen),
    )
)


@dataclass(frozen=True)
class Candidate:
    """An indexed article that shares at least one band key with the article being assigned."""

    article_id: int
    story_id: int | None
    signature: bytes
    shingle_count: int
    shared_bands: int


@dataclass(frozen=True)
class StorySummary:
    """One line of ``scrapy stories``: a story, its size and who reported it."""

    story_id: int
    size: int
    first_seen_at: datetime
    last_seen_at: datetime
    title: str | None
    url: str | None
    sources: list[str]


def lock_band_keys(session: Session, keys: Collection[int]) -> None:
    """Serialise assignments that share a band key, until the transaction ends (PostgreSQL).

    Two transactions that could see each other as candidates share a band key, so the second
    waits here until the first commits; under READ COMMITTED its candidate query then sees the
    first one's rows. Locks are taken in sorted order in one statement, so two assignments never
    deadlock on each other. SQLite needs nothing: ``BEGIN IMMEDIATE`` serialises writers.
    """
    if not keys or not _is_postgresql(session):
        return
    # Fold each 64-bit key to a signed int4; a rare fold collision only costs a wait.
    folded = sorted({_fold32(key) for key in keys})
    session.execute(_LOCK_KEYS, {"namespace": STORY_LOCK_NAMESPACE, "keys": folded})


def find_candidates(
    session: Session, keys: Collection[int], limit: int, per_key: int = 200
) -> list[Candidate]:
    """Indexed articles sharing any of ``keys``, most shared bands first, at most ``limit``.

    Each key contributes its ``per_key`` newest articles at most. Both limits bound the cost
    when boilerplate makes many articles collide; the articles that share the most bands are
    the likeliest near-duplicates.
    """
    unique = sorted(set(keys))
    if not unique:
        return []
    if _is_postgresql(session):
        rows = session.execute(_pg_find_candidates_statement(limit, per_key), {"keys": unique})
    else:
        sql = _find_candidates_sql(len(unique), limit, per_key)
        rows = session.connection().exec_driver_sql(sql, tuple(unique))
    return [
        Candidate(article_id, story_id, signature, shingle_count, shared)
        for article_id, story_id, signature, shingle_count, shared in rows
    ]


def index_article(
    session: Session, article_id: int, signature: bytes, shingle_count: int, keys: Sequence[int]
) -> None:
    """Store an article's signature and its band keys, so later articles can find it."""
    session.execute(
        _INSERT_SIGNATURE,
        {"article_id": article_id, "signature": signature, "shingle_count": shingle_count},
    )
    unique_keys = sorted(set(keys))
    if not unique_keys:
        return
    if _is_postgresql(session):
        session.execute(_PG_INSERT_BANDS, {"article_id": article_id, "keys": unique_keys})
    else:
        session.connection().exec_driver_sql(
            _SQLITE_INSERT_BANDS, [(key, article_id) for key in unique_keys]
        )


def article_story_id(session: Session, article_id: int) -> int | None:
    """The story an article already belongs to, or None."""
    story_id: int | None = session.execute(
        _ARTICLE_STORY, {"article_id": article_id}
    ).scalar_one_or_none()
    return story_id


def create_story(session: Session, article_id: int, seen_at: datetime) -> int:
    """Open a story with ``article_id`` as its first article; returns the story id."""
    story_id: int = session.execute(
        _CREATE_STORY,
        {"first_article_id": article_id, "first_seen_at": seen_at, "last_seen_at": seen_at},
    ).scalar_one()
    session.execute(_SET_ARTICLE_STORY, {"article_id": article_id, "new_story_id": story_id})
    return story_id


def add_to_story(session: Session, story_id: int, article_id: int, seen_at: datetime) -> None:
    """Add ``article_id`` to a story: one more member, and the seen-at window widened."""
    session.execute(_ADD_TO_STORY, {"target_story_id": story_id, "seen": seen_at})
    session.execute(_SET_ARTICLE_STORY, {"article_id": article_id, "new_story_id": story_id})


def list_stories(
    session: Session, since: datetime | None = None, limit: int = 50
) -> list[StorySummary]:
    """Stories with an article first seen at or after ``since``, the newest story first."""
    query = (
        select(
            Story.id,
            Story.size,
            Story.first_seen_at,
            Story.last_seen_at,
            _articles.c.title,
            _articles.c.canonical_url,
        )
        .outerjoin(_articles, _articles.c.id == Story.first_article_id)
        .order_by(Story.first_seen_at.desc(), Story.id.desc())
        .limit(limit)
    )
    if since is not None:
        query = query.where(Story.last_seen_at >= since)
    rows = session.execute(query).all()
    sources = _sources_by_story(session, [row.id for row in rows])
    return [
        StorySummary(
            story_id=row.id,
            size=row.size,
            first_seen_at=row.first_seen_at,
            last_seen_at=row.last_seen_at,
            title=row.title,
            url=row.canonical_url,
            sources=sources.get(row.id, []),
        )
        for row in rows
    ]


def story_sources(
    session: Session, story_id: int, *, exclude_article_id: int | None = None
) -> list[tuple[str, str]]:
    """``(source name, canonical URL)`` of the articles in a story, by first sighting.

    ``exclude_article_id`` leaves one article out: "also reported by" under an alert.
    """
    query = (
        select(Source.name, _articles.c.canonical_url)
        .join(Source, Source.id == _articles.c.source_id)
        .where(_articles.c.story_id == story_id)
        .order_by(_articles.c.first_seen_at, _articles.c.id)
    )
    if exclude_article_id is not None:
        query = query.where(_articles.c.id != exclude_article_id)
    return [(name, url) for name, url in session.execute(query)]


def _sources_by_story(session: Session, story_ids: Sequence[int]) -> dict[int, list[str]]:
    if not story_ids:
        return {}
    first_seen = func.min(_articles.c.first_seen_at)
    rows = session.execute(
        select(_articles.c.story_id, Source.name)
        .join(Source, Source.id == _articles.c.source_id)
        .where(_articles.c.story_id.in_(story_ids))
        .group_by(_articles.c.story_id, Source.name)
        .order_by(_articles.c.story_id, first_seen, Source.name)
    )
    found: dict[int, list[str]] = {}
    for story_id, name in rows:
        found.setdefault(story_id, []).append(name)
    return found


def _is_postgresql(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def _fold32(key: int) -> int:
    folded = (key ^ (key >> 32)) & 0xFFFFFFFF
    return folded - (1 << 32) if folded >= 1 << 31 else folded


def also_reported_by(session: Session, article_id: int) -> list[str]:
    """The other sources that carry the article's story, by first sighting (for alerts)."""
    story_id = article_story_id(session, article_id)
    if story_id is None:
        return []
    names = [name for name, _ in story_sources(session, story_id, exclude_article_id=article_id)]
    return list(dict.fromkeys(names))
