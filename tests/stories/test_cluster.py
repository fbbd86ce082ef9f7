"""Story assignment against a real database (SQLite, and PostgreSQL where configured)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select, text

from storage import Database, open_database
from storage.stories import find_candidates, list_stories, story_sources
from storage.story_models import ArticleSignature, Story, StoryBand
from stories.cluster import ClusterParams, assign_story
from stories.minhash import BANDS, article_shingles, band_keys, sign
from tests.stories import texts
from tests.stories.conftest import T0, AddFn, store_article


def test_copies_join_the_story_of_the_first_one_seen(db: Database, add: AddFn) -> None:
    first_id, first = add(texts.PORT_PLOT, source="wire-a")
    assert first.is_new_story
    assert first.indexed
    sources = ["site-b", "site-c", "site-d"]
    for copy, source in zip(texts.COPIES, sources, strict=True):
        _, result = add(copy, source=source)
        assert not result.is_new_story, copy.title
        assert result.story_id == first.story_id
        assert result.similarity >= 0.4
        assert result.matched_article_id is not None

    with db.sessions() as session:
        story = session.get(Story, first.story_id)
        assert story is not None
        assert story.size == 4
        assert story.first_article_id == first_id
        assert story.first_seen_at == T0
        assert story.last_seen_at == T0 + dt.timedelta(minutes=3)
        assert [name for name, _ in story_sources(session, first.story_id)] == [
            "wire-a",
            *sources,
        ]
        also = story_sources(session, first.story_id, exclude_article_id=first_id)
        assert [name for name, _ in also] == sources
        assert all(url.startswith(f"https://{name}.example/") for name, url in also)


def test_other_stories_on_the_same_topic_open_their_own(add: AddFn) -> None:
    _, port = add(texts.PORT_PLOT)
    story_ids = {port.story_id}
    for other in texts.OTHER_STORIES:
        _, result = add(other)
        assert result.is_new_story, other.title
        assert result.similarity < 0.2
        story_ids.add(result.story_id)
    assert len(story_ids) == 1 + len(texts.OTHER_STORIES)
    # ... and copies still find the right one among them.
    _, copy = add(texts.PORT_PLOT_EDITED)
    assert copy.story_id == port.story_id


def test_a_copy_joins_through_any_member_of_the_story(add: AddFn) -> None:
    # The edited copy and the one with a paragraph added are further apart from each other than
    # either is from the original; the story still holds all three.
    _, edited = add(texts.PORT_PLOT_EDITED)
    _, original = add(texts.PORT_PLOT)
    _, added = add(texts.PORT_PLOT_ADDED_PARAGRAPH)
    assert edited.story_id == original.story_id == added.story_id


def test_the_index_survives_a_restart(db_url: str) -> None:
    first_db = open_database(db_url)
    with first_db.sessions.begin() as session:
        article_id = store_article(session, texts.PORT_PLOT)
        first = assign_story(
            session, article_id=article_id, title="t", body=texts.PORT_PLOT.body, first_seen_at=T0
        )
    first_db.dispose()

    second_db = open_database(db_url)
    try:
        with second_db.sessions.begin() as session:
            copy = texts.PORT_PLOT_ADDED_PARAGRAPH
            article_id = store_article(session, copy, source="site-b")
            result = assign_story(
                session, article_id=article_id, title=copy.title, body=copy.body, first_seen_at=T0
            )
        assert result.story_id == first.story_id
    finally:
        second_db.dispose()


def test_an_article_inserted_in_the_same_transaction_skips_the_story_check(
    db: Database, add: AddFn
) -> None:
    _, original = add(texts.PORT_PLOT)
    copy = texts.PORT_PLOT_ADDED_PARAGRAPH
    with db.sessions.begin() as session:
        article_id = store_article(session, copy, source="site-b")
        result = assign_story(
            session,
            article_id=article_id,
            title=copy.title,
            body=copy.body,
            first_seen_at=T0,
            inserted=True,
        )
    assert result.story_id == original.story_id
    assert not result.is_new_story
    with db.sessions.begin() as session:
        assert session.scalar(select(Story.size)) == 2
        assert session.scalar(select(func.count()).select_from(StoryBand)) == 2 * BANDS


def test_assigning_twice_changes_nothing(db: Database, add: AddFn) -> None:
    article_id, first = add(texts.PORT_PLOT)
    with db.sessions.begin() as session:
        again = assign_story(
            session,
            article_id=article_id,
            title=texts.PORT_PLOT.title,
            body=texts.PORT_PLOT.body,
            first_seen_at=T0,
        )
        assert again.story_id == first.story_id
        assert not again.is_new_story
        assert session.scalar(select(func.count()).select_from(StoryBand)) == BANDS
        assert session.scalar(select(func.count()).select_from(ArticleSignature)) == 1
        assert session.scalar(select(Story.size)) == 1


def test_the_index_rows_and_the_article_story_id(db: Database, add: AddFn) -> None:
    article_id, result = add(texts.PORT_PLOT)
    with db.sessions() as session:
        signature = session.get(ArticleSignature, article_id)
        assert signature is not None
        assert len(signature.signature) == 512
        assert signature.shingle_count > 200
        keys = session.scalars(
            select(StoryBand.band_key).where(StoryBand.article_id == article_id)
        ).all()
        assert len(set(keys)) == BANDS
        story_id = session.execute(
            text("SELECT story_id FROM articles WHERE id = :id"), {"id": article_id}
        ).scalar_one()
        assert story_id == result.story_id


def test_feed_summaries_join_each_other_under_a_stricter_threshold(add: AddFn) -> None:
    _, full = add(texts.PORT_PLOT)
    _, summary = add(texts.PORT_PLOT_SUMMARY, source="site-b")
    _, other_site = add(texts.PORT_PLOT_SUMMARY_OTHER_SITE, source="site-c")
    _, market = add(texts.MARKET_TRIAL_SUMMARY, source="site-d")
    # Same lead, different headlines: one story, flagged as a short-text (weaker) match.
    assert other_site.story_id == summary.story_id
    assert other_site.short_text
    assert not other_site.is_new_story
    # A summary is a small part of the full text: Jaccard cannot see it (documented limitation).
    assert summary.story_id != full.story_id
    assert market.is_new_story


def test_stricter_threshold_applies_to_short_texts(add: AddFn, db: Database) -> None:
    add(texts.PORT_PLOT_SUMMARY)
    strict = ClusterParams(short_threshold=0.95)
    with db.sessions.begin() as session:
        article_id = store_article(session, texts.PORT_PLOT_SUMMARY_OTHER_SITE, source="site-b")
        result = assign_story(
            session,
            article_id=article_id,
            title=texts.PORT_PLOT_SUMMARY_OTHER_SITE.title,
            body=texts.PORT_PLOT_SUMMARY_OTHER_SITE.body,
            first_seen_at=T0,
            params=strict,
        )
    assert result.is_new_story
    assert result.short_text
    assert 0.6 <= result.similarity < 0.95


def test_a_headline_alone_stays_alone_and_unindexed(db: Database, add: AddFn) -> None:
    _, first = add(texts.HEADLINE_ONLY)
    _, second = add(texts.HEADLINE_ONLY, source="site-b")
    assert first.is_new_story and second.is_new_story
    assert not first.indexed
    assert first.story_id != second.story_id
    with db.sessions() as session:
        assert session.scalar(select(func.count()).select_from(StoryBand)) == 0


def test_list_stories_shows_size_sources_and_first_article(db: Database, add: AddFn) -> None:
    _, port = add(texts.PORT_PLOT, source="wire-a", seen=T0)
    add(texts.PORT_PLOT_NEW_HEADLINE, source="site-b", seen=T0 + dt.timedelta(hours=1))
    add(texts.PORT_PLOT_EDITED, source="wire-a", seen=T0 + dt.timedelta(hours=2))
    _, market = add(texts.MARKET_TRIAL, source="site-c", seen=T0 + dt.timedelta(hours=3))

    with db.sessions() as session:
        listed = list_stories(session)
        assert [s.story_id for s in listed] == [market.story_id, port.story_id]
        story = listed[1]
        assert story.size == 3
        assert story.sources == ["wire-a", "site-b"]
        assert story.title == texts.PORT_PLOT.title
        assert story.url is not None and story.url.startswith("https://wire-a.example/")
        assert story.first_seen_at == T0
        assert story.last_seen_at == T0 + dt.timedelta(hours=2)

        # --since keeps the stories with an article seen since then.
        since = list_stories(session, since=T0 + dt.timedelta(hours=2))
        assert {s.story_id for s in since} == {market.story_id, port.story_id}
        since = list_stories(session, since=T0 + dt.timedelta(hours=2, minutes=1))
        assert [s.story_id for s in since] == [market.story_id]
        assert len(list_stories(session, limit=1)) == 1
        assert story_sources(session, 12345) == []


def test_a_late_article_with_an_earlier_sighting_moves_the_story_start(
    db: Database, add: AddFn
) -> None:
    _, first = add(texts.PORT_PLOT, seen=T0 + dt.timedelta(hours=1))
    add(texts.PORT_PLOT_NEW_HEADLINE, seen=T0)
    with db.sessions() as session:
        story = session.get(Story, first.story_id)
        assert story is not None
        assert story.first_seen_at == T0
        assert story.last_seen_at == T0 + dt.timedelta(hours=1)


def test_candidates_per_band_key_are_capped_newest_first(db: Database, add: AddFn) -> None:
    # Boilerplate shared by a crowd costs no more than a rare key: each key brings its newest
    # `per_key` articles only.
    ids = [add(texts.PORT_PLOT, source=f"site-{n}")[0] for n in range(3)]
    keys = band_keys(sign(article_shingles(texts.PORT_PLOT.title, texts.PORT_PLOT.body)))
    with db.sessions() as session:
        found = find_candidates(session, keys, limit=100)
        assert [c.article_id for c in found] == ids
        assert {c.shared_bands for c in found} == {BANDS}
        assert [c.article_id for c in find_candidates(session, keys, 100, per_key=1)] == ids[-1:]
        assert len(find_candidates(session, keys, limit=2)) == 2
        assert find_candidates(session, [], limit=100) == []
