"""Story assignment: every stored article joins the story of its closest earlier near-duplicate.

An article's MinHash band keys find candidates in the database index (``story_bands``); their
stored signatures verify them by estimated Jaccard similarity; the best one at or above the
threshold gives its story, otherwise the article opens a new one. Any member of a story can be
the match, so a copy far from the first article but close to another copy still joins. Stories
are never merged or split afterwards. Reads no settings.

Short bodies (feed summaries): the title counts only when the body alone is too short to
compare; texts of fewer than ``short_shingles`` shingles need ``short_threshold``, and the result
says ``short_text``; under ``min_shingles`` the article is not indexed and stays alone. A summary
joins other copies of that summary, not the full-text story: the Jaccard similarity of a lead
paragraph to the whole article is low (containment would need an index of its own).

Concurrency: on PostgreSQL the article's band keys are locked (transaction-scoped advisory
locks) before the candidate query, so two near-duplicates assigned at the same time by two
crawl processes are serialised and the second joins the first's story. Keep the transaction
short after calling :func:`assign_story` (it holds BANDS advisory locks until commit) and use
READ COMMITTED, PostgreSQL's default, so that the candidate query sees what the lock waited for.
On SQLite, ``BEGIN IMMEDIATE`` already serialises writers.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from storage.stories import (
    Candidate,
    add_to_story,
    article_story_id,
    create_story,
    find_candidates,
    index_article,
    lock_band_keys,
)
from stories.minhash import (
    BANDS,
    MIN_SHINGLES,
    ROWS,
    SHINGLE_SIZE,
    Signature,
    band_keys,
    sign_article,
    similarities,
)

__all__ = ["DEFAULT_PARAMS", "ClusterParams", "StoryAssignment", "assign_story"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ClusterParams:
    """Clustering thresholds; the defaults are the measured ones (``bench/stories.py``)."""

    #: Words per shingle, and the LSH banding (see ``stories.minhash``). Changing any of the
    #: three makes the stored index incomparable: re-index after a change.
    shingle_size: int = SHINGLE_SIZE
    bands: int = BANDS
    rows: int = ROWS
    #: Estimated Jaccard similarity from which an article joins a candidate's story. Two
    #: copies of a story, each with its own edits (headline, a paragraph added or cut, 2-5% of
    #: the words changed), score 0.48 or more in 99% of the pairs on the bench set (0.37 at
    #: worst); different stories on the same topic score 0.10 at most. At 0.5 the bench loses
    #: 2% of the copies' pairs (recall 0.977 against 0.998).
    threshold: float = 0.4
    #: Texts with fewer shingles than this (feed summaries, about 60 words) need a higher
    #: similarity: a few stock phrases or a shared quote are a large share of a short text.
    short_shingles: int = 60
    short_threshold: float = 0.6
    #: Below this many shingles (title included) a text says too little to compare: the
    #: article opens its own story and is not indexed.
    min_shingles: int = MIN_SHINGLES
    #: Candidates verified per article, those sharing the most band keys first; and the most
    #: articles one band key brings (the newest), so that a key shared by a crowd of articles
    #: (boilerplate, common phrases) keeps the cost per article flat.
    max_candidates: int = 100
    candidates_per_key: int = 200


DEFAULT_PARAMS = ClusterParams()


@dataclass(frozen=True)
class StoryAssignment:
    """Where an article went: its story, whether this call opened it, and why."""

    story_id: int
    #: True when this call opened the story (the article is its first member).
    is_new_story: bool
    #: Estimated Jaccard similarity to the closest candidate (0.0 when there was none); for a
    #: new story it is the best similarity that fell short of the threshold.
    similarity: float
    #: The candidate whose story was joined.
    matched_article_id: int | None = None
    #: The text was short (stricter threshold applied): a weaker, lower-confidence match.
    short_text: bool = False
    #: False when the text was too short to index; the article then stays alone in its story.
    indexed: bool = True


def assign_story(
    session: Session,
    *,
    article_id: int,
    title: str | None,
    body: str,
    first_seen_at: datetime,
    params: ClusterParams = DEFAULT_PARAMS,
    inserted: bool = False,
) -> StoryAssignment:
    """Put a stored article into a story and index it; the caller commits.

    Idempotent: an article that already has a story keeps it. ``inserted=True`` says the caller
    inserted the article in this transaction, so it has no story yet and the check is skipped
    (one statement less per stored article).
    """
    existing = None if inserted else article_story_id(session, article_id)
    if existing is not None:
        return StoryAssignment(existing, is_new_story=False, similarity=1.0)

    signature = sign_article(title, body, params.shingle_size, params.min_shingles)
    if signature.shingle_count < params.min_shingles:
        story_id = create_story(session, article_id, first_seen_at)
        logger.debug(
            "article %s: %s shingles, too short to compare; story %s",
            article_id,
            signature.shingle_count,
            story_id,
        )
        return StoryAssignment(story_id, True, 0.0, short_text=True, indexed=False)

    keys = band_keys(signature, params.bands, params.rows)
    lock_band_keys(session, keys)
    candidates = find_candidates(session, keys, params.max_candidates, params.candidates_per_key)
    best, similarity = _best_match(signature, candidates, params)
    index_article(session, article_id, signature.to_bytes(), signature.shingle_count, keys)
    short = signature.shingle_count < params.short_shingles

    if best is None or best.story_id is None:
        story_id = create_story(session, article_id, first_seen_at)
        logger.debug(
            "article %s: new story %s (%s candidates, best similarity %.2f)",
            article_id,
            story_id,
            len(candidates),
            similarity,
        )
        return StoryAssignment(story_id, True, similarity, short_text=short)

    add_to_story(session, best.story_id, article_id, first_seen_at)
    logger.debug(
        "article %s: joins story %s via article %s (similarity %.2f)",
        article_id,
        best.story_id,
        best.article_id,
        similarity,
    )
    return StoryAssignment(best.story_id, False, similarity, best.article_id, short_text=short)


def _best_match(
    signature: Signature, candidates: list[Candidate], params: ClusterParams
) -> tuple[Candidate | None, float]:
    """The most similar candidate above its threshold (ties: the earliest article), and the
    best similarity seen, whether or not it passed."""
    scores = similarities(signature, [candidate.signature for candidate in candidates])
    best: Candidate | None = None
    best_score = 0.0
    top = 0.0
    for candidate, raw in zip(candidates, scores, strict=True):
        score = float(raw)
        top = max(top, score)
        if candidate.story_id is None:
            continue
        short = min(signature.shingle_count, candidate.shingle_count) < params.short_shingles
        if score < (params.short_threshold if short else params.threshold):
            continue
        if (
            best is None
            or score > best_score
            or (score == best_score and candidate.article_id < best.article_id)
        ):
            best, best_score = candidate, score
    return best, (best_score if best is not None else top)
