"""Query functions for articles and the URLs that reach them. The caller owns the transaction."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, or_, select, update
from sqlalchemy.orm import Session

from storage.db import insert_ignore
from storage.models import Article, ArticleUrl, Source

# Core statements on the tables, built once: an ORM-enabled UPDATE costs several times more per
# execution, and these run for every stored article.
_sources = Source.__table__
_COUNT_STORED = (
    update(_sources)  # type: ignore[arg-type]
    .where(_sources.c.id == bindparam("stored_source_id"))
    .values(articles_stored=_sources.c.articles_stored + 1)
)


@dataclass(frozen=True)
class StoreResult:
    """What happened to one article: new, or a duplicate of ``article_id`` (by ``duplicate``)."""

    article_id: int
    is_new: bool
    duplicate: str | None = None  # "url" or "content" when not new


def source_id(session: Session, name: str) -> int:
    """The id of source ``name``, creating its row on first sight."""
    insert_ignore(session, Source.__table__, {"name": name})  # type: ignore[arg-type]
    found = session.scalar(select(Source.id).where(Source.name == name))
    assert found is not None
    return found


def known_urls(session: Session, urls: Collection[str]) -> set[str]:
    """Which of ``urls`` (canonical) already lead to a stored article."""
    if not urls:
        return set()
    rows = session.scalars(select(ArticleUrl.url).where(ArticleUrl.url.in_(list(urls))))
    return set(rows)


def known_guids(session: Session, source: int, guids: Collection[str]) -> set[str]:
    """Which entry GUIDs of ``source`` were already stored."""
    if not guids:
        return set()
    rows = session.scalars(
        select(Article.guid).where(Article.source_id == source, Article.guid.in_(list(guids)))
    )
    return {guid for guid in rows if guid is not None}


def add_urls(session: Session, article_id: int, urls: Iterable[str]) -> None:
    for url in dict.fromkeys(urls):
        insert_ignore(
            session,
            ArticleUrl.__table__,  # type: ignore[arg-type]
            {"url": url, "article_id": article_id},
            returning=("url",),
        )


def store_article(
    session: Session, values: Mapping[str, Any], aliases: Sequence[str] = ()
) -> StoreResult:
    """Insert an article unless its canonical URL or content hash is stored already.

    ``values`` holds the ``Article`` columns; ``aliases`` are other canonical URLs reaching it.
    """
    new_id = insert_ignore(session, Article.__table__, values)  # type: ignore[arg-type]
    if new_id is not None:
        add_urls(session, new_id, [values["canonical_url"], *aliases])
        session.execute(_COUNT_STORED, {"stored_source_id": values["source_id"]})
        return StoreResult(article_id=new_id, is_new=True)
    conditions = [Article.canonical_url == values["canonical_url"]]
    if values.get("content_hash"):
        conditions.append(Article.content_hash == values["content_hash"])
    existing = session.execute(
        select(Article.id, Article.canonical_url).where(or_(*conditions)).limit(1)
    ).first()
    if existing is None:  # the conflicting row was deleted meanwhile: nothing to point at
        raise LookupError(f"article {values['canonical_url']} conflicted but is not stored")
    how = "url" if existing.canonical_url == values["canonical_url"] else "content"
    add_urls(session, existing.id, [values["canonical_url"], *aliases])
    return StoreResult(article_id=existing.id, is_new=False, duplicate=how)


def list_articles(
    session: Session,
    *,
    since: datetime | None = None,
    source: str | None = None,
    limit: int = 20,
) -> list[tuple[Article, str]]:
    """Stored articles with their source name, newest first."""
    query = select(Article, Source.name).join(Source, Source.id == Article.source_id)
    if since is not None:
        query = query.where(Article.first_seen_at >= since)
    if source is not None:
        query = query.where(Source.name == source)
    query = query.order_by(Article.first_seen_at.desc(), Article.id.desc()).limit(limit)
    return [(article, name) for article, name in session.execute(query).tuples()]


def stale_articles(session: Session, entries: Mapping[str, datetime]) -> dict[str, int]:
    """Of ``{canonical URL: entry updated time}``, the stored articles the entry has changed
    since: updated after the article was first seen and after its last known update."""
    if not entries:
        return {}
    rows = session.execute(
        select(ArticleUrl.url, Article.id, Article.first_seen_at, Article.updated_at)
        .join(Article, Article.id == ArticleUrl.article_id)
        .where(ArticleUrl.url.in_(list(entries)))
    ).tuples()
    stale = {}
    for url, article_id, first_seen, updated in rows:
        known = max(first_seen, updated) if updated is not None else first_seen
        if entries[url] > known:
            stale[url] = article_id
    return stale


def update_article(session: Session, article_id: int, values: Mapping[str, Any]) -> None:
    """Overwrite an article's text and metadata with its newest version (identity stays)."""
    session.execute(update(Article).where(Article.id == article_id).values(**values))
