"""stories: re-index signatures and band keys for the numpy MinHash (no schema change)

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28

``stories.minhash`` no longer uses datasketch: its word hashes, permutations and band-key hash
are new, so signatures stored before do not compare with those computed now. This recomputes,
for every row of ``article_signatures``, the signature and shingle count, and replaces that
article's ``story_bands`` rows, with the code of ``stories.minhash`` as it stands (default
shingle size and banding, as the crawl uses them). Story membership (``articles.story_id``,
``stories``) is left as it is.

The text signed is the one the article was assigned with: version 1 in ``article_versions``
when the article has changed since (the crawl overwrites the ``articles`` row but never
re-signs), else the ``articles`` row. Batches of BATCH_SIZE articles in article id order keep
memory flat; env.py runs the whole migration in one transaction, so a failure leaves the old
index whole rather than half old, half new. Core constructs and plain SQL, not the ORM models,
which may change after this revision.
"""

import logging
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from stories.minhash import Signature, band_keys, sign_article

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

logger = logging.getLogger(__name__)

BATCH_SIZE = 1_000

_articles = sa.table(
    "articles", sa.column("id", sa.Integer), sa.column("title", sa.Text), sa.column("body", sa.Text)
)
_versions = sa.table(
    "article_versions",
    sa.column("id", sa.Integer),
    sa.column("article_id", sa.Integer),
    sa.column("version", sa.Integer),
    sa.column("title", sa.Text),
    sa.column("body", sa.Text),
)
_signatures = sa.table(
    "article_signatures",
    sa.column("article_id", sa.Integer),
    sa.column("signature", sa.LargeBinary),
    sa.column("shingle_count", sa.Integer),
)
_bands = sa.table(
    "story_bands", sa.column("band_key", sa.BigInteger), sa.column("article_id", sa.Integer)
)

# A NULL title is a title too: test for the version row, not for NULL text.
_changed = _versions.c.id.is_not(None)
_BATCH = (
    sa.select(
        _signatures.c.article_id,
        sa.case((_changed, _versions.c.title), else_=_articles.c.title).label("title"),
        sa.case((_changed, _versions.c.body), else_=_articles.c.body).label("body"),
    )
    .join(_articles, _articles.c.id == _signatures.c.article_id)
    .outerjoin(
        _versions,
        sa.and_(_versions.c.article_id == _signatures.c.article_id, _versions.c.version == 1),
    )
    .where(_signatures.c.article_id > sa.bindparam("after"))
    .order_by(_signatures.c.article_id)
    .limit(BATCH_SIZE)
)
_UPDATE_SIGNATURE = (
    sa.update(_signatures)
    .where(_signatures.c.article_id == sa.bindparam("target_id"))
    .values(signature=sa.bindparam("new_signature"), shingle_count=sa.bindparam("new_count"))
)
# psycopg sends an executemany one statement per row: PostgreSQL gets each batch as arrays.
_PG_UPDATE_SIGNATURES = sa.text(
    "UPDATE article_signatures AS s SET signature = v.signature, shingle_count = v.shingle_count "
    "FROM unnest(CAST(:ids AS integer[]), CAST(:signatures AS bytea[]), "
    "CAST(:counts AS integer[])) AS v (article_id, signature, shingle_count) "
    "WHERE s.article_id = v.article_id"
)
_PG_INSERT_BANDS = sa.text(
    "INSERT INTO story_bands (band_key, article_id) "
    "SELECT * FROM unnest(CAST(:keys AS bigint[]), CAST(:ids AS integer[]))"
)


def upgrade() -> None:
    connection = op.get_bind()
    postgresql = connection.dialect.name == "postgresql"
    after = -(2**31)  # below any id
    done = 0
    total = connection.execute(sa.select(sa.func.count()).select_from(_signatures)).scalar_one()
    if total:
        logger.warning(
            "one-time re-index of the story signatures of %d articles (about 2,000 a second); "
            "other newswatch processes wait for it",
            total,
        )
    while rows := connection.execute(_BATCH, {"after": after}).all():
        ids = [row.article_id for row in rows]
        signatures = [sign_article(row.title, row.body) for row in rows]
        keys = [sorted(set(band_keys(signature))) for signature in signatures]
        connection.execute(sa.delete(_bands).where(_bands.c.article_id.in_(ids)))
        if postgresql:
            _store_pg(connection, ids, signatures, keys)
        else:
            _store(connection, ids, signatures, keys)
        done += len(rows)
        after = ids[-1]
    logger.info("re-indexed the story signatures of %d articles", done)


def _store(
    connection: sa.Connection, ids: list[int], signatures: list[Signature], keys: list[list[int]]
) -> None:
    connection.execute(
        _UPDATE_SIGNATURE,
        [
            {
                "target_id": article_id,
                "new_signature": signature.to_bytes(),
                "new_count": signature.shingle_count,
            }
            for article_id, signature in zip(ids, signatures, strict=True)
        ],
    )
    bands = [
        {"band_key": key, "article_id": article_id}
        for article_id, article_keys in zip(ids, keys, strict=True)
        for key in article_keys
    ]
    if bands:
        connection.execute(sa.insert(_bands), bands)


def _store_pg(
    connection: sa.Connection, ids: list[int], signatures: list[Signature], keys: list[list[int]]
) -> None:
    connection.execute(
        _PG_UPDATE_SIGNATURES,
        {
            "ids": ids,
            "signatures": [signature.to_bytes() for signature in signatures],
            "counts": [signature.shingle_count for signature in signatures],
        },
    )
    connection.execute(
        _PG_INSERT_BANDS,
        {
            "keys": [key for article_keys in keys for key in article_keys],
            "ids": [
                article_id
                for article_id, article_keys in zip(ids, keys, strict=True)
                for _ in article_keys
            ],
        },
    )


def downgrade() -> None:
    """Nothing to undo in the schema, and the old signatures cannot be recomputed without the
    old code: a no-op (raising would block every downgrade past 0005), leaving the index that
    the next upgrade through 0005 recomputes."""
