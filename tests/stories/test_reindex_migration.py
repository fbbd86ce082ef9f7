"""Migration 0005: every stored signature and its band keys are recomputed with the current code.

A database at 0004 gets its rows by plain SQL (the models may have moved on since), with
signatures and band keys that no code computes; after the upgrade they must be exactly what
``stories.minhash`` computes now, in more than one batch, and the stories must be untouched.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import numpy as np
import pytest
from alembic import command
from sqlalchemy import Engine, text

from storage.db import alembic_config, make_engine
from stories.minhash import band_keys, sign_article
from tests.stories import texts

T0 = dt.datetime(2026, 11, 28, 8, 0)
# More than two batches of the migration's 1,000, the last one partial.
ARTICLES = 2_345
# Articles that are never indexed (too short) and so have no signature row to recompute.
UNINDEXED = {7, 1_500}
# Articles whose text changed after they were signed: version 1 holds the signed text.
CHANGED = {3, 1_001}


@pytest.fixture
def engine_at_0004(db_url: str) -> Iterator[Engine]:
    engine = make_engine(db_url)
    command.upgrade(alembic_config(engine), "0004")
    try:
        yield engine
    finally:
        engine.dispose()


def _body(rng: np.random.Generator, article_id: int) -> str:
    """Texts of 5-80 words of a fixture story, shuffled; every hundredth one the story itself."""
    if article_id % 100 == 0:
        return texts.PORT_PLOT.body
    if article_id in UNINDEXED:
        return "Developing story."
    words = texts.PORT_PLOT.body.split()
    picks = rng.integers(0, len(words), int(rng.integers(5, 81)))
    return " ".join(words[int(i)] for i in picks)


def _title(article_id: int) -> str | None:
    return None if article_id % 7 == 0 else f"Headline number {article_id}"


def test_upgrade_recomputes_signatures_and_band_keys(engine_at_0004: Engine) -> None:
    rng = np.random.default_rng(5)
    bodies = {article_id: _body(rng, article_id) for article_id in range(1, ARTICLES + 1)}
    with engine_at_0004.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO sources (id, name, created_at, consecutive_failures, "
                "articles_stored, failures_by_reason) VALUES (1, 'wire-a', :t, 0, 0, '{}')"
            ),
            {"t": T0},
        )
        connection.execute(
            text(
                "INSERT INTO stories (id, first_article_id, first_seen_at, last_seen_at, size) "
                "VALUES (:id, :id, :t, :t, 1)"
            ),
            [{"id": article_id, "t": T0} for article_id in bodies],
        )
        connection.execute(
            text(
                "INSERT INTO articles (id, source_id, url, canonical_url, title, authors, tags, "
                "body, body_origin, first_seen_at, story_id) VALUES (:id, 1, :url, :url, "
                ":title, '[]', '[]', :body, 'page', :t, :story_id)"
            ),
            [
                {
                    "id": article_id,
                    "url": f"https://wire-a.example/{article_id}",
                    "title": _title(article_id),
                    "body": body if article_id not in CHANGED else "Rewritten since.",
                    "t": T0,
                    # Several articles per story, so that membership is seen to stay.
                    "story_id": article_id - article_id % 3 or 1,
                }
                for article_id, body in bodies.items()
            ],
        )
        connection.execute(
            text(
                "INSERT INTO article_versions (article_id, version, title, body, content_hash, "
                "stored_at) VALUES (:id, :version, :title, :body, 'x', :t)"
            ),
            [
                {
                    "id": article_id,
                    "version": 1,
                    "title": _title(article_id),
                    "body": bodies[article_id],
                    "t": T0,
                }
                for article_id in sorted(CHANGED)
            ]
            + [
                {
                    "id": article_id,
                    "version": 2,
                    "title": "New",
                    "body": "Rewritten since.",
                    "t": T0,
                }
                for article_id in sorted(CHANGED)
            ],
        )
        indexed = [article_id for article_id in bodies if article_id not in UNINDEXED]
        connection.execute(
            text(
                "INSERT INTO article_signatures (article_id, signature, shingle_count) "
                "VALUES (:id, :signature, 1)"
            ),
            [{"id": article_id, "signature": b"\0" * 512} for article_id in indexed],
        )
        connection.execute(
            text("INSERT INTO story_bands (band_key, article_id) VALUES (:key, :id)"),
            [
                {"key": key, "id": article_id}
                for article_id in indexed
                for key in (article_id, -article_id, 2**62 + article_id)
            ],
        )

    command.upgrade(alembic_config(engine_at_0004), "head")

    with engine_at_0004.connect() as connection:
        signatures = {
            article_id: (bytes(signature), count)
            for article_id, signature, count in connection.execute(
                text("SELECT article_id, signature, shingle_count FROM article_signatures")
            )
        }
        bands: dict[int, set[int]] = {}
        for key, article_id in connection.execute(
            text("SELECT band_key, article_id FROM story_bands")
        ):
            bands.setdefault(article_id, set()).add(key)
        stories = connection.execute(text("SELECT id, story_id FROM articles ORDER BY id")).all()
        story_rows = connection.execute(text("SELECT count(*) FROM stories")).scalar_one()

    assert set(signatures) == set(indexed)
    for article_id in indexed:
        expected = sign_article(_title(article_id), bodies[article_id])
        assert signatures[article_id] == (expected.to_bytes(), expected.shingle_count)
        assert bands.get(article_id, set()) == set(band_keys(expected)), article_id
    assert set(bands) <= set(indexed)
    # Copies of one text share every key again, as the clustering needs.
    assert bands[100] == bands[200] and len(bands[100]) == 42
    assert stories == [(article_id, article_id - article_id % 3 or 1) for article_id in bodies]
    assert story_rows == ARTICLES


def test_upgrade_of_an_empty_index_is_a_no_op(engine_at_0004: Engine) -> None:
    command.upgrade(alembic_config(engine_at_0004), "head")
    with engine_at_0004.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM story_bands")).scalar_one() == 0
    # Downgrading through 0005 leaves the index as it is; the next upgrade recomputes it.
    command.downgrade(alembic_config(engine_at_0004), "0004")
    command.upgrade(alembic_config(engine_at_0004), "head")
