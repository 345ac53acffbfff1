"""``nlp.tag_table.tag_table``: the tag stage as a pure function over Arrow batches."""
from __future__ import annotations

import json
import pyarrow as pa
import pytest

from jobs.tag import SELECT_BATCH
from listenwell.config import load_config
from nlp.tag_table import TAGS_SCHEMA, TagInputError, TagSettings, tag_table, tagger_for, with_batch_threads
from storage.db import Database

COMPARED = TAGS_SCHEMA.names


def _stored_tags(db: Database) -> pa.Table:
    return db.con.cursor().sql(f"SELECT {', '.join(COMPARED)} FROM tags ORDER BY seq").to_arrow_table()


def _posts_as_run_reads_them(db: Database, config) -> pa.Table:
    """Every stored post, read by the tag job's own query as one batch: the columns ``run --once`` handed the
    tagger (root_about_us now carries each stored root's flag, which the run took from the root in its batch)."""
    handles = sorted({h for hs in config.our_handles().values() for h in hs})
    high = db.scalar("SELECT max(seq) FROM posts")
    return db.con.cursor().sql(SELECT_BATCH, params={"handles": handles, "blog_urls": list(config.me.blog_urls), "lo": 0,
                                            "hi": high}).to_arrow_table()


@pytest.fixture(scope="module")
def bundled(bundled_run):
    """The session's `run --once` on the bundled samples (tests/conftest.py): its config, its posts as the tag
    job reads them, and the tags it stored."""
    config = load_config(bundled_run)
    with Database.open(config.db_path, read_only=True) as db:
        posts = _posts_as_run_reads_them(db, config)
        stored = _stored_tags(db)
    return config, posts, stored


def test_tag_table_gives_exactly_the_tags_run_once_stored(bundled):
    config, posts, stored = bundled
    assert posts.num_rows == stored.num_rows > 400
    tags = tag_table(posts, config)
    assert tags.schema == TAGS_SCHEMA
    # the database keeps evidence and moments as JSON: compare them parsed, every other column as it is
    for name in COMPARED:
        got, want = tags.column(name).to_pylist(), stored.column(name).to_pylist()
        if name in ("evidence", "moments"):
            got, want = [json.loads(v) for v in got], [json.loads(v) for v in want]
        assert got == want, name
    # the samples exercise every column, so the comparison means something
    assert any(tags.column("about_us").to_pylist()) and any(tags.column("thread_about_us").to_pylist())
    assert any(tags.column("addressed_to_us").to_pylist()) and any(tags.column("from_us").to_pylist())
    assert any(tags.column("competitors").to_pylist()) and any(tags.column("intents").to_pylist())
    assert any(m != "[]" for m in tags.column("moments").to_pylist())


def test_slices_tagged_apart_and_threads_read_over_the_batch_equal_the_whole(bundled):
    config, posts, _stored = bundled
    whole = tag_table(posts, config)
    parts = pa.concat_tables(tag_table(posts.slice(i, 97), config) for i in range(0, posts.num_rows, 97))
    assert with_batch_threads(posts, parts).equals(whole)


def test_rows_keep_their_order_and_extra_columns_are_ignored(bundled):
    config, posts, _stored = bundled
    reversed_posts = posts.take(list(range(posts.num_rows - 1, -1, -1)))
    tags = tag_table(reversed_posts, config)
    assert tags.column("post_uid").to_pylist() == reversed_posts.column("post_uid").to_pylist()
    assert "seq" in posts.column_names and "seq" not in tags.column_names


def test_optional_columns_may_be_absent_and_required_ones_are_named(bundled):
    config, _posts, _stored = bundled
    minimal = pa.table({"post_uid": ["x:1", "x:2"], "text": ["Fernhill dashboards are great", "Bom dia"],
                        "addressed_to_us": [False, True], "from_us": [False, False]})
    tags = tag_table(minimal, config)
    assert tags.column("about_us").to_pylist() == [True, False]
    assert tags.column("thread_about_us").to_pylist() == [True, True]  # root posts: their own flags
    with pytest.raises(TagInputError, match="from_us"):
        tag_table(minimal.drop_columns(["from_us"]), config)


def test_settings_are_plain_values_and_the_pipeline_is_built_once_per_settings(bundled):
    import pickle

    config, posts, _stored = bundled
    settings = TagSettings.from_config(config)
    assert pickle.loads(pickle.dumps(settings)) == settings == TagSettings.from_config(config)
    assert tagger_for(settings) is tagger_for(TagSettings.from_config(config))
    # the settings alone tag as the config does (what a worker process or a Ray task receives)
    assert tag_table(posts.slice(0, 50), settings).equals(tag_table(posts.slice(0, 50), config))


def test_our_own_posts_ask_nothing_of_us(bundled):
    """The same question read as a customer's and as ours: only the customer's carries intents and evidence."""
    config, _posts, _stored = bundled
    text = "@fernhillhq the export failed again, is something broken? What does the team plan cost?"
    batch = pa.table({"post_uid": ["x:1", "x:2"], "text": [text, text], "addressed_to_us": [True, True],
                      "from_us": [False, True]})
    tags = tag_table(batch, config).to_pylist()
    assert tags[0]["intents"] and json.loads(tags[0]["evidence"])
    assert tags[1]["intents"] == [] and json.loads(tags[1]["evidence"]) == {}
    assert tags[1]["sentiment_label"] == tags[0]["sentiment_label"]  # the rest is read alike
