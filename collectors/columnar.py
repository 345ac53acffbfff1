"""The files collector's fast path: a chunk of complete lines becomes one ``PostsBatch``.

pyarrow parses a whole chunk of JSONL at once; an in-memory DuckDB connection (a compute engine
over Arrow, never our storage) maps it to the posts and authors tables by the rules of
``x_shapes._tweet_to_post``, ``reddit_shapes.thing_to_post`` / ``things_from_listing`` and
``FilesCollector._csv_row_to_post``. Where a rule is Python-specific (identity uids, ``.lower()``
on non-ASCII text, the mention regexes with look-behinds), Python applies it to the few distinct
values or matching texts, so results are identical rather than close.

Anything this module cannot map *exactly* raises ``NotColumnar`` and the caller reads that chunk
on the row path, so malformed-line counting, skipping and notes stay what they were. That covers:
a line that does not parse, or parses more leniently in pyarrow than in ``json.loads`` (two objects
on one line, NaN, a byte-order mark past the first line, invalid UTF-8); types pyarrow cannot
unify across the chunk; a field of an unexpected type; timestamps pyarrow inferred from strings;
numbers past 2**53 in a float column; timestamps outside the plain ISO-8601 / epoch forms below.

Shapes kept on the row path entirely: bare or ``twarc2 flatten``-ed tweets (one tweet per line, or
a page whose tweets carry an inline ``author``), single-tweet lookups (``data`` an object), single
Reddit things, JSON arrays per line (``/comments/<id>.json``) and Listings with nested ``replies``
trees; a chunk mixing X and Reddit lines.

The stored rows equal the row path's, except ``raw``: it is re-serialised from the parsed columns,
so its JSON may differ in formatting and key order, a key that one object lacks but another object
in the chunk has is written as ``null``, and an integer in a column that also holds fractions is
written as a float (``5.0``). CSV ``raw`` writes a missing trailing column as ``null``.
"""
from __future__ import annotations

import io
import re
import threading
from datetime import datetime
from typing import Any, Callable, Sequence

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.json as pj

from collectors.base import AUTHORS_SCHEMA, PLATFORMS, POST_KINDS, POSTS_SCHEMA, PostsBatch, identity_uid
from collectors.reddit_shapes import BASE_URL as REDDIT_URL
from collectors.reddit_shapes import reddit_mentions

BOM = b"\xef\xbb\xbf"
_X_MENTION_RE = re.compile(r"(?<![\w@])@([A-Za-z0-9_]{1,15})\b")  # as collectors/files.py reads CSV
# Time strings both Python (``datetime.fromisoformat`` 3.11) and DuckDB read the same way; others take the row path
X_TIME_RE = r"[1-9]\d{3}-\d{2}-\d{2}T([01]\d|2[0-3]):[0-5]\d:[0-5]\d(\.\d{1,6})?Z"
CSV_ISO_RE = (r"[1-9]\d{3}-\d{2}-\d{2}"
              r"([T ]([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d{1,6})?)?(Z| UTC|[+-]([01]\d|2[0-3]):[0-5]\d)?)?")
CSV_EPOCH_RE = r"\d{1,12}(\.\d{1,9})?"
MAX_EPOCH = 253402300800  # 10000-01-01: Python's datetime ends before it
MAX_EXACT_FLOAT = 2 ** 53  # past this a float column may have rounded an integer


_engine: duckdb.DuckDBPyConnection | None = None
_engine_lock = threading.Lock()


def compute_connection() -> duckdb.DuckDBPyConnection:
    """A connection of its own to this process's in-memory compute database (opened once: that
    costs tens of milliseconds; a cursor is cheap). Registered tables are per connection."""
    global _engine
    with _engine_lock:
        if _engine is None:
            _engine = duckdb.connect(":memory:")
        con = _engine.cursor()
    con.execute("SET TimeZone = 'UTC'")
    return con


class NotColumnar(Exception):
    """This chunk must be read on the row path. ``shape`` means the file's shape is not one this
    module maps (so later chunks of the file need not be tried); otherwise only this chunk is odd."""

    def __init__(self, reason: str, shape: bool = False):
        super().__init__(reason)
        self.shape = shape


def _epoch_micros(seconds_sql: str) -> str:
    """``datetime.fromtimestamp(float(ts), timezone.utc)`` in SQL: whole seconds, then the fraction
    rounded half-to-even to microseconds (CPython's rule). NULL outside [1970, 10000)."""
    return (f"CASE WHEN {seconds_sql} >= 0 AND {seconds_sql} < {MAX_EPOCH} THEN "
            f"trunc({seconds_sql})::BIGINT * 1000000 "
            f"+ round_even(({seconds_sql} - trunc({seconds_sql})) * 1000000.0, 0)::BIGINT END")


def _iso_micros(text_sql: str) -> str:
    """``datetime.fromisoformat`` (made UTC) in SQL, for strings matching the patterns above; NULL
    where Python would refuse (a date that does not exist, or past 9999 once the offset is applied)."""
    micros = f"epoch_us(TRY_CAST({text_sql} AS TIMESTAMPTZ))"
    return f"CASE WHEN {micros} < {MAX_EPOCH} * 1000000 THEN {micros} END"


# --- reading a chunk ---------------------------------------------------------------------------


def read_jsonl(data: bytes, at_file_start: bool) -> pa.Table:
    """Parse complete JSONL lines; ``NotColumnar`` unless pyarrow reads exactly what ``json.loads`` would."""
    if at_file_start and data.startswith(BOM):
        data = data[len(BOM):]  # the row path strips it from line 1 too
    if BOM in data or b"\x00" in data:
        raise NotColumnar("byte-order mark or NUL inside the chunk")
    try:
        data.decode("utf-8")  # pyarrow does not validate string bytes; json.loads rejects bad UTF-8
    except UnicodeDecodeError:
        raise NotColumnar("invalid UTF-8") from None
    lines = sum(1 for line in data.split(b"\n") if line.strip())
    table = _parse(data, None)
    if _has_timestamps(table.schema.types):
        # pyarrow reads some date-like strings as timestamps; json.loads keeps them strings, so must we
        table = _parse(data, pa.schema([pa.field(f.name, _timestamps_as_strings(f.type)) for f in table.schema]))
    if table.num_rows != lines:  # pyarrow reads '{..} {..}' on one line as two rows; json.loads refuses it
        raise NotColumnar("not one JSON object per line")
    for column in table.columns:
        for chunk in column.chunks:
            _check_values(chunk)
    return table


def _parse(data: bytes, schema: pa.Schema | None) -> pa.Table:
    options = pj.ParseOptions(explicit_schema=schema) if schema is not None else None
    try:  # one block: a line never straddles two
        return pj.read_json(io.BytesIO(data), read_options=pj.ReadOptions(block_size=len(data) + 1),
                            parse_options=options)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
        raise NotColumnar(f"pyarrow: {exc}") from None


def _has_timestamps(types: Sequence[pa.DataType]) -> bool:
    for t in types:
        if pa.types.is_timestamp(t):
            return True
        if pa.types.is_struct(t) and _has_timestamps([f.type for f in t]):
            return True
        if pa.types.is_list(t) and _has_timestamps([t.value_type]):
            return True
    return False


def _timestamps_as_strings(t: pa.DataType) -> pa.DataType:
    if pa.types.is_timestamp(t):
        return pa.string()
    if pa.types.is_struct(t):
        return pa.struct([pa.field(f.name, _timestamps_as_strings(f.type)) for f in t])
    if pa.types.is_list(t):
        return pa.list_(_timestamps_as_strings(t.value_type))
    return t


def _check_values(array: pa.Array) -> None:
    """Only types ``json.loads`` would have produced, with values that survive the round trip."""
    t = array.type
    if pa.types.is_struct(t):
        for child in array.flatten():
            _check_values(child)
    elif pa.types.is_list(t):
        _check_values(array.flatten())
    elif pa.types.is_floating(t):
        if array.null_count < len(array):
            finite = pc.is_finite(array)
            big = pc.greater_equal(pc.abs(array), MAX_EXACT_FLOAT)
            if not pc.all(finite).as_py() or pc.any(big).as_py():
                raise NotColumnar("a float column holds NaN, infinity or a number past 2**53")
    elif not (pa.types.is_string(t) or pa.types.is_integer(t) or pa.types.is_boolean(t) or pa.types.is_null(t)):
        raise NotColumnar(f"pyarrow inferred {t}, which json.loads would not")  # e.g. timestamps from strings


# --- schema checks -----------------------------------------------------------------------------


def _field_type(struct_type: pa.DataType | None, name: str) -> pa.DataType | None:
    if struct_type is None or not pa.types.is_struct(struct_type):
        return None
    i = struct_type.get_field_index(name)
    return struct_type.field(i).type if i >= 0 else None


def _is_text(t: pa.DataType | None) -> bool:
    return t is None or pa.types.is_string(t) or pa.types.is_null(t)


def _is_struct_list(t: pa.DataType | None) -> bool:
    return t is None or pa.types.is_null(t) or (pa.types.is_list(t) and (
        pa.types.is_struct(t.value_type) or pa.types.is_null(t.value_type)))


def _require(ok: bool, reason: str, shape: bool = False) -> None:
    if not ok:
        raise NotColumnar(reason, shape)


def _no_null_items(lists: pa.ChunkedArray | pa.Array, what: str) -> None:
    """A null inside a list of objects makes the row path's ``.get`` fail (a malformed line)."""
    if pc.list_flatten(lists).null_count:
        raise NotColumnar(f"a null among {what}")


def _field(var: str, struct_type: pa.DataType | None, name: str) -> str:
    """``var."name"`` when the field exists in the chunk, else NULL (absent everywhere)."""
    if struct_type is None or not pa.types.is_struct(struct_type) or struct_type.get_field_index(name) < 0:
        return "NULL"
    return f'{var}."{name}"'


class ColumnarMapper:
    """Maps chunks for one collector run. Chunks may be mapped on several threads at once: each
    thread gets its own connection to the in-memory compute engine (a connection runs one query)."""

    def __init__(self, source: str, our_handles: dict[str, set[str]]):
        self.source = source
        self.our_handles = our_handles  # platform -> lowercase handles without '@'
        self._local = threading.local()
        self._connections: list[duckdb.DuckDBPyConnection] = []
        self._lock = threading.Lock()

    @property
    def con(self) -> duckdb.DuckDBPyConnection:
        con = getattr(self._local, "con", None)
        if con is None:
            con = self._local.con = compute_connection()
            with self._lock:
                self._connections.append(con)
        return con

    def close(self) -> None:
        """After every thread using this mapper is done."""
        with self._lock:
            connections, self._connections = self._connections, []
        for con in connections:
            con.close()
        self._local = threading.local()

    def _query(self, sql: str, tables: dict[str, pa.Table], params: dict[str, Any] | None = None) -> pa.Table:
        for name, table in tables.items():
            self.con.register(name, table)
        try:
            return _in_order(self.con.sql(sql, params=params or {}).to_arrow_table())
        except duckdb.Error as exc:  # a value the SQL cannot take (e.g. an invalid date): row path
            raise NotColumnar(f"duckdb: {exc}") from None
        finally:
            for name in tables:
                self.con.unregister(name)

    # -- JSONL ------------------------------------------------------------------------------

    def jsonl(self, data: bytes, fmt: str, retrieved_at: datetime, at_file_start: bool) -> PostsBatch:
        """X API v2 pages or Reddit Listings, one per line (``fmt`` as ``FilesCollector.format``)."""
        table = read_jsonl(data, at_file_start)
        if not table.num_rows:  # only blank lines
            return self.empty_batch()
        names = set(table.schema.names)
        if "kind" in names and fmt != "x":
            return self._reddit_listings(table, retrieved_at)
        if "kind" not in names and "data" in names and fmt != "reddit":
            return self._x_pages(table, retrieved_at)
        raise NotColumnar("neither X pages nor Reddit Listings", shape=True)

    def _x_pages(self, pages: pa.Table, retrieved_at: datetime) -> PostsBatch:
        data_type = pages.schema.field("data").type
        _require(_is_struct_list(data_type) and not pa.types.is_null(data_type), "data is not a list of tweets",
                 shape=True)
        data = pages.column("data")
        _require(data.null_count == 0, "a line without data")
        tweets = pc.list_flatten(data)
        _require(tweets.null_count == 0, "a null tweet")
        tweet_type = data_type.value_type
        if not pa.types.is_struct(tweet_type):  # every page empty
            return self.empty_batch()
        # a page whose tweets carry their author inline is twarc-flattened: the row path merges the two
        _require(_field_type(tweet_type, "author") is None, "tweets with an inline author", shape=True)
        _require(pa.types.is_string(_field_type(tweet_type, "id") or pa.null()), "tweet ids are not strings")
        _require(pa.types.is_string(_field_type(tweet_type, "created_at") or pa.null()),
                 "tweet created_at is not a string")
        for name in ("text", "author_id", "conversation_id", "lang"):
            _require(_is_text(_field_type(tweet_type, name)), f"tweet {name} is not a string")

        refs_type = _field_type(tweet_type, "referenced_tweets")
        _require(_is_struct_list(refs_type), "referenced_tweets is not a list of objects")
        ref_type = refs_type.value_type if refs_type is not None and pa.types.is_list(refs_type) else None
        if ref_type is not None:
            _no_null_items(pc.struct_field(tweets, "referenced_tweets"), "referenced_tweets")
            _require(all(_is_text(_field_type(ref_type, n)) for n in ("type", "id")) if pa.types.is_struct(ref_type)
                     else True, "referenced tweet type/id not strings")
        entities_type = _field_type(tweet_type, "entities")
        _require(entities_type is None or pa.types.is_null(entities_type) or pa.types.is_struct(entities_type),
                 "entities is not an object")
        mentions_type = _field_type(entities_type, "mentions") if entities_type is not None and pa.types.is_struct(
            entities_type) else None
        _require(_is_struct_list(mentions_type), "entities.mentions is not a list of objects")
        mention_type = mentions_type.value_type if mentions_type is not None and pa.types.is_list(mentions_type) else None
        if mention_type is not None:
            _no_null_items(pc.struct_field(pc.struct_field(tweets, "entities"), "mentions"), "mentions")
            if pa.types.is_struct(mention_type):
                _require(_is_text(_field_type(mention_type, "username")), "mention username is not a string")

        users, user_type = self._x_users(pages)
        # which lines the row path takes for pages (``is_x_page``); when unsure, it decides
        page_markers = [f'"{name}" IS NOT NULL' for name in ("includes", "meta", "__twarc") if name in pages.schema.names]
        if _field_type(tweet_type, "text") is not None:
            page_markers.append('(len(data) > 0 AND data[1]."text" IS NOT NULL)')
        lines = pa.table({"data": data} | {n: pages.column(n) for n in ("includes", "meta", "__twarc")
                                            if n in pages.schema.names})
        if not page_markers or not self._query(
                f"SELECT bool_and({' OR '.join(page_markers)}) FROM lines", {"lines": lines}).column(0)[0].as_py():
            raise NotColumnar("a line that may not be an X page")

        t = lambda name: _field("t", tweet_type, name)  # noqa: E731
        u = lambda name: _field("u", user_type, name)  # noqa: E731
        if ref_type is not None and pa.types.is_struct(ref_type) and ref_type.get_field_index("type") >= 0:
            # the first replied_to reference; ``str(ref.get("id"))`` makes a missing id "None"
            replied = f"list_filter({t('referenced_tweets')}, lambda r: r.\"type\" = 'replied_to')"
            ref_id = f'({replied})[1]."id"' if ref_type.get_field_index("id") >= 0 else "NULL"
            parent = f"CASE WHEN len({replied}) > 0 THEN coalesce({ref_id}, 'None') END"
        else:
            parent = "NULL::VARCHAR"
        if mention_type is not None and pa.types.is_struct(mention_type) and mention_type.get_field_index(
                "username") >= 0:
            mentions = (f"coalesce(list_filter(list_transform({t('entities')}.\"mentions\", lambda m: m.\"username\"), "
                        f"lambda h: h <> ''), [])")
        else:
            mentions = "[]::VARCHAR[]"
        followers = "NULL::BIGINT"
        metrics_type = _field_type(user_type, "public_metrics") if user_type is not None else None
        if metrics_type is not None and pa.types.is_struct(metrics_type):
            followers = _field(f"{u('public_metrics')}", metrics_type, "followers_count")

        tweets_table = pa.table({"page": pc.list_parent_indices(data), "t": tweets})
        tweets_table = tweets_table.append_column("ord", pa.array(range(tweets_table.num_rows), pa.int64()))
        sql = f"""
        WITH page_users AS (
            -- a page's users by id; a repeated id keeps its last object, as the row path's dict does
            SELECT page, u FROM x_users WHERE {u('id')} IS NOT NULL
            QUALIFY row_number() OVER (PARTITION BY page, {u('id')} ORDER BY upos DESC) = 1
        ),
        joined AS (
            SELECT x_tweets.ord, x_tweets.t, page_users.u, {parent} AS parent_id, {mentions} AS mentions,
                   CASE WHEN page_users.u IS NOT NULL THEN nullif({u('username')}, '') END AS username
            FROM x_tweets LEFT JOIN page_users
              ON page_users.page = x_tweets.page AND {u('id')} = {t('author_id')}
        )
        SELECT ord,
            'x:' || {t('id')} AS post_uid,
            {t('id')} AS native_id,
            CASE WHEN parent_id IS NOT NULL THEN 'reply'
                 WHEN list_has_any(list_transform(mentions, lambda h: lower(h)), $ours::VARCHAR[]) THEN 'mention'
                 ELSE 'post' END AS kind,
            CASE WHEN username IS NOT NULL THEN 'https://x.com/' || username || '/status/' || {t('id')}
                 ELSE 'https://x.com/i/web/status/' || {t('id')} END AS url,
            NULL::VARCHAR AS title,
            -- X escapes < > & in tweet text: undone once at ingest, as x_shapes.unescape_x_text does
            replace(replace(replace(coalesce({t('text')}, ''), '&lt;', '<'), '&gt;', '>'), '&amp;', '&') AS text,
            CASE WHEN regexp_full_match({t('created_at')}, '{X_TIME_RE}')
                 THEN {_iso_micros(t('created_at'))} END AS created_us,
            CASE WHEN coalesce(parent_id, '') <> '' THEN 'x:' || parent_id END AS parent_uid,
            CASE WHEN coalesce({t('conversation_id')}, '') <> '' THEN 'x:' || {t('conversation_id')} END
                AS conversation_uid,
            {t('lang')} AS lang,
            list_transform(mentions, lambda h: lower(h)) AS mentions,
            mentions AS mentions_as_written,
            CASE WHEN u IS NULL THEN to_json(t) ELSE to_json(struct_insert(t, author := u)) END::VARCHAR AS raw,
            CASE WHEN u IS NOT NULL THEN coalesce(username, 'id:' || {u('id')})
                 ELSE 'id:' || coalesce({t('author_id')}, 'None') END AS author_handle,
            CASE WHEN u IS NOT NULL THEN {u('name')} END AS author_display_name,
            CASE WHEN u IS NOT NULL THEN {u('id')} ELSE nullif({t('author_id')}, '') END AS author_native_id,
            CASE WHEN username IS NOT NULL THEN 'https://x.com/' || username END AS author_url,
            CASE WHEN u IS NOT NULL THEN {followers} END AS author_followers
        FROM joined
        """
        mapped = self._query(sql, {"x_tweets": tweets_table, "x_users": users},
                             {"ours": sorted(self.our_handles.get("x", ()))})
        _require(mapped.column("native_id").null_count == 0, "a tweet without id")
        # DuckDB's lower() is Python's .lower() on ASCII; elsewhere they may differ (the Kelvin sign...)
        _require(pc.all(pc.string_is_ascii(pc.list_flatten(mapped.column("mentions_as_written")))).as_py()
                 is not False, "a non-ASCII mention")
        return self._batch(mapped, "x", retrieved_at)

    def _x_users(self, pages: pa.Table) -> tuple[pa.Table, pa.DataType | None]:
        """``includes.users`` of every page, with the page they came from."""
        empty = pa.table({"page": pa.array([], pa.int64()), "upos": pa.array([], pa.int64()),
                          "u": pa.array([], pa.struct([("id", pa.string())]))})
        if "includes" not in pages.schema.names:
            return empty, None
        includes_type = pages.schema.field("includes").type
        if pa.types.is_null(includes_type):
            return empty, None
        _require(pa.types.is_struct(includes_type), "includes is not an object")
        users_type = _field_type(includes_type, "users")
        _require(_is_struct_list(users_type), "includes.users is not a list of objects")
        if users_type is None or pa.types.is_null(users_type):
            return empty, None
        lists = pc.struct_field(pages.column("includes"), "users")
        _no_null_items(lists, "users")
        user_type = users_type.value_type
        if pa.types.is_null(user_type):  # only empty lists
            return empty, None
        for name in ("id", "username", "name"):
            _require(_is_text(_field_type(user_type, name)), f"user {name} is not a string")
        metrics_type = _field_type(user_type, "public_metrics")
        _require(metrics_type is None or pa.types.is_null(metrics_type) or (
            pa.types.is_struct(metrics_type) and (
                _field_type(metrics_type, "followers_count") is None
                or pa.types.is_integer(_field_type(metrics_type, "followers_count"))
                or pa.types.is_null(_field_type(metrics_type, "followers_count")))),
            "public_metrics.followers_count is not an integer")
        users = pc.list_flatten(lists)
        table = pa.table({"page": pc.list_parent_indices(lists), "u": users})
        return table.append_column("upos", pa.array(range(table.num_rows), pa.int64())), user_type

    def _reddit_listings(self, listings: pa.Table, retrieved_at: datetime) -> PostsBatch:
        kind_type = listings.schema.field("kind").type
        _require(pa.types.is_string(kind_type), "kind is not a string", shape=True)
        _require(pc.all(pc.equal(listings.column("kind"), "Listing")).as_py() is True
                 and listings.column("kind").null_count == 0, "a line that is not a Listing", shape=True)
        _require("data" in listings.schema.names and pa.types.is_struct(listings.schema.field("data").type)
                 and listings.column("data").null_count == 0, "a Listing without data")
        listing_type = listings.schema.field("data").type
        children_type = _field_type(listing_type, "children")
        _require(_is_struct_list(children_type), "children is not a list of things")
        if children_type is None or pa.types.is_null(children_type):
            return self.empty_batch()
        children = pc.struct_field(listings.column("data"), "children")
        things = pc.list_flatten(children)
        _require(things.null_count == 0, "a null among children")
        thing_type = children_type.value_type
        if pa.types.is_null(thing_type):
            return self.empty_batch()
        _require(_is_text(_field_type(thing_type, "kind")), "a thing's kind is not a string")
        data_type = _field_type(thing_type, "data")
        _require(data_type is not None and pa.types.is_struct(data_type), "a thing without a data object")
        _require(pc.struct_field(things, "data").null_count == 0, "a thing without a data object")
        # nested comment trees are walked depth-first by the row path
        _require(_is_text(_field_type(data_type, "replies")), "things with nested replies", shape=True)
        for name in ("name", "id", "title", "selftext", "body", "author", "author_fullname", "permalink", "url",
                     "parent_id", "link_id"):
            _require(_is_text(_field_type(data_type, name)), f"reddit {name} is not a string")
        for name in ("created_utc", "created"):
            t_ = _field_type(data_type, name)
            _require(t_ is None or pa.types.is_null(t_) or pa.types.is_integer(t_) or pa.types.is_floating(t_),
                     f"reddit {name} is not a number")

        d = lambda name: _field("d", data_type, name)  # noqa: E731
        things_table = pa.table({"c": things})
        things_table = things_table.append_column("ord", pa.array(range(things_table.num_rows), pa.int64()))
        seconds = f"coalesce({d('created_utc')}, {d('created')})::DOUBLE"
        sql = f"""
        WITH things AS (
            SELECT ord, c, c."kind" AS kind, c."data" AS d FROM r_things WHERE c."kind" IN ('t3', 't1')
        ),
        named AS (
            SELECT *,
                coalesce({d('author')}, '') IN ('[deleted]', '[removed]', '') AS deleted,
                CASE WHEN coalesce({d('name')}, '') <> '' THEN {d('name')}
                     WHEN coalesce({d('id')}, '') <> '' THEN kind || '_' || {d('id')} END AS fullname,
                CASE WHEN kind = 't3' THEN coalesce({d('title')}, '') END AS title,
                CASE WHEN coalesce({d('permalink')}, '') <> '' THEN '{REDDIT_URL}' || {d('permalink')} END AS link
            FROM things
        )
        SELECT ord,
            'reddit:' || fullname AS post_uid,
            fullname AS native_id,
            CASE WHEN kind = 't3' THEN 'post'
                 WHEN starts_with(coalesce({d('parent_id')}, ''), 't1_') THEN 'reply' ELSE 'comment' END AS kind,
            CASE WHEN kind = 't3' THEN coalesce(link, {d('url')}) ELSE link END AS url,
            title,
            CASE WHEN kind = 't1' THEN coalesce({d('body')}, '')
                 WHEN coalesce({d('selftext')}, '') <> '' THEN title || chr(10) || chr(10) || {d('selftext')}
                 ELSE title END AS text,
            {_epoch_micros(seconds)} AS created_us,
            CASE WHEN kind = 't1' AND coalesce({d('parent_id')}, '') <> '' THEN 'reddit:' || {d('parent_id')} END
                AS parent_uid,
            CASE WHEN kind = 't3' THEN 'reddit:' || fullname
                 WHEN coalesce({d('link_id')}, '') <> '' THEN 'reddit:' || {d('link_id')} END AS conversation_uid,
            NULL::VARCHAR AS lang,
            to_json(c)::VARCHAR AS raw,
            CASE WHEN deleted THEN '[deleted]' ELSE {d('author')} END AS author_handle,
            NULL::VARCHAR AS author_display_name,
            CASE WHEN deleted THEN NULL ELSE {d('author_fullname')} END AS author_native_id,
            CASE WHEN deleted THEN NULL ELSE '{REDDIT_URL}/user/' || {d('author')} END AS author_url,
            NULL::BIGINT AS author_followers
        FROM named
        """
        mapped = self._query(sql, {"r_things": things_table})
        _require(mapped.column("native_id").null_count == 0, "a thing with neither name nor id")
        texts = mapped.column("text")
        mentions = _mentions_where(texts, "u/", reddit_mentions)
        mapped = mapped.append_column("mentions", _lowercase_lists(mentions))
        return self._batch(mapped, "reddit", retrieved_at)

    # -- CSV --------------------------------------------------------------------------------

    def csv_rows(self, idx: dict[str, int], rows: Sequence[list[str]], retrieved_at: datetime) -> PostsBatch:
        """Non-blank CSV records (as ``csv.reader`` split them) with the header's column -> index map."""
        n = len(rows)
        width = max(idx.values()) + 1
        # short rows read as missing values (``get`` returns None), extra values are never read
        columns = list(zip(*(r if len(r) == width else (r + [None] * width)[:width] for r in rows)))

        def values(name: str, strip: bool = True) -> list[str | None]:
            """What ``_csv_row_to_post``'s ``get`` returns for every row."""
            i = idx.get(name)
            if i is None:
                return [None] * n
            if strip:
                return [v.strip() or None if v is not None else None for v in columns[i]]
            return [v or None for v in columns[i]]

        platforms = [(p or "").lower() for p in values("platform")]
        _require(set(platforms) <= set(PLATFORMS), "an unknown platform")
        native_ids, authors = values("id"), values("author")
        _require(None not in native_ids and None not in authors, "a row without id or author")
        texts = [t or "" for t in values("text", strip=False)]
        kinds = [(k or "").lower() for k in values("kind")]
        _require(set(kinds) <= {"", *POST_KINDS}, "an unknown kind")
        parent_ids = values("parent_id")
        created = values("created_at")
        _require(None not in created, "a row without created_at")

        mentions: list[list[str]] = []
        for platform, text in zip(platforms, texts):
            if platform == "x" and "@" in text:
                mentions.append(list(dict.fromkeys(_X_MENTION_RE.findall(text))))
            elif platform == "reddit":
                mentions.append(reddit_mentions(text))
            else:
                mentions.append([])
        for i, kind in enumerate(kinds):
            if not kind:
                ours = self.our_handles.get(platforms[i], set())
                if parent_ids[i]:
                    kinds[i] = "reply" if platforms[i] == "x" else "comment"
                elif ours and any(m.lower() in ours for m in mentions[i]):
                    kinds[i] = "mention"
                else:
                    kinds[i] = "post"
        handles = [a.lstrip("@") if p == "x" else a for p, a in zip(platforms, authors)]

        raw = pa.StructArray.from_arrays([pa.array(columns[i], pa.string()) for i in idx.values()], names=list(idx))
        mapped = self._query(
            f"""
            SELECT ord, CASE WHEN regexp_full_match(created, '{CSV_EPOCH_RE}') THEN {_epoch_micros('created::DOUBLE')}
                        WHEN regexp_full_match(created, '{CSV_ISO_RE}')
                        THEN {_iso_micros("replace(created, ' UTC', '+00:00')")} END AS created_us,
                   to_json(raw)::VARCHAR AS raw
            FROM csv_rows
            """,
            {"csv_rows": pa.table({"ord": pa.array(range(n), pa.int64()), "created": pa.array(created, pa.string()),
                                   "raw": raw})})

        def uid(platform: str, native: str | None) -> str | None:
            return f"{platform}:{native}" if native else None

        columns = {
            "post_uid": [f"{p}:{i}" for p, i in zip(platforms, native_ids)],
            "platform": platforms,
            "native_id": native_ids,
            "kind": kinds,
            "url": values("url"),
            "title": values("title"),
            "text": texts,
            "created_us": mapped.column("created_us"),
            "parent_uid": [uid(p, i) for p, i in zip(platforms, parent_ids)],
            "conversation_uid": [uid(p, i) for p, i in zip(platforms, values("conversation_id"))],
            "lang": values("lang"),
            "mentions": pa.array([[m.lower() for m in ms] for ms in mentions], pa.list_(pa.string())),
            "raw": mapped.column("raw"),
            "author_platform": platforms,
            "author_handle": handles,
            "author_display_name": values("author_name"),
            "author_native_id": pa.nulls(n, pa.string()),
            "author_url": pa.nulls(n, pa.string()),
            "author_followers": pa.nulls(n, pa.int64()),
        }
        return self._batch(pa.table(columns), None, retrieved_at)

    # -- assembling the batch ---------------------------------------------------------------

    def empty_batch(self) -> PostsBatch:
        return PostsBatch(POSTS_SCHEMA.empty_table(), AUTHORS_SCHEMA.empty_table())

    def _batch(self, mapped: pa.Table, platform: str | None, retrieved_at: datetime) -> PostsBatch:
        """The mapped columns as ``POSTS_SCHEMA`` / ``AUTHORS_SCHEMA`` tables (``platform`` None: per row)."""
        n = mapped.num_rows
        created_us = mapped.column("created_us")
        _require(created_us.null_count == 0, "a time the fast path does not read exactly")
        created_at = created_us.cast(pa.timestamp("us", tz="UTC"))
        if platform is None:
            platforms = mapped.column("author_platform")
        else:
            platforms = pa.repeat(pa.scalar(platform), n)
        author_uid = _identity_uids(platforms, mapped.column("author_handle"))
        posts = pa.table({
            "post_uid": mapped.column("post_uid"),
            "platform": platforms,
            "native_id": mapped.column("native_id"),
            "kind": mapped.column("kind"),
            "url": mapped.column("url"),
            "title": mapped.column("title"),
            "text": mapped.column("text"),
            "created_at": created_at,
            "author_uid": author_uid,
            "parent_uid": mapped.column("parent_uid"),
            "conversation_uid": mapped.column("conversation_uid"),
            "parent_url": pa.nulls(n, pa.string()),
            "lang": mapped.column("lang"),
            "mentions": mapped.column("mentions"),
            "raw": mapped.column("raw"),
            "source": pa.repeat(pa.scalar(self.source), n),
            "retrieved_at": pa.repeat(pa.scalar(retrieved_at, pa.timestamp("us", tz="UTC")), n),
        }).cast(POSTS_SCHEMA)
        authors = pa.table({
            "identity_uid": author_uid,
            "platform": platforms,
            "handle": mapped.column("author_handle"),
            "display_name": mapped.column("author_display_name"),
            "native_id": mapped.column("author_native_id"),
            "url": mapped.column("author_url"),
            "followers": mapped.column("author_followers"),
            "seen_at": created_at,
        }).cast(AUTHORS_SCHEMA)
        return PostsBatch(posts, authors)


def _in_order(table: pa.Table) -> pa.Table:
    """Rows by ``ord``. DuckDB keeps the scan order for these queries, but does not promise it, and an
    ORDER BY would sort every wide row: check, and sort only if it ever did not."""
    if "ord" not in table.schema.names or table.num_rows < 2:
        return table
    ord_ = table.column("ord").combine_chunks()
    if pc.all(pc.greater(ord_.slice(1), ord_.slice(0, len(ord_) - 1))).as_py():
        return table
    return table.take(pc.sort_indices(ord_))


# --- Python rules applied to distinct values -------------------------------------------------------


def _identity_uids(platforms: pa.Array | pa.ChunkedArray, handles: pa.Array | pa.ChunkedArray) -> pa.Array:
    """``identity_uid(platform, handle)`` for every row, computed once per distinct pair."""
    keys = pc.binary_join_element_wise(platforms, handles, "\x00")
    encoded = pc.dictionary_encode(keys).combine_chunks() if isinstance(keys, pa.ChunkedArray) else pc.dictionary_encode(keys)
    uids = [identity_uid(*key.split("\x00", 1)) for key in encoded.dictionary.to_pylist()]
    return pc.take(pa.array(uids, pa.string()), encoded.indices)


def _mentions_where(texts: pa.ChunkedArray, marker: str, extract: Callable[[str], list[str]]) -> list[list[str]]:
    """``extract(text)`` for texts containing ``marker``; the rest have none (the extractors agree)."""
    out: list[list[str]] = [[]] * len(texts)
    hits = pc.indices_nonzero(pc.fill_null(pc.match_substring(texts, marker), False)).to_pylist()
    if hits:
        hit_texts = pc.take(texts, pa.array(hits)).to_pylist()
        for i, text in zip(hits, hit_texts):
            out[i] = extract(text)
    return out


def _lowercase_lists(lists: list[list[str]]) -> pa.Array:
    return pa.array([[m.lower() for m in ms] if ms else [] for ms in lists], pa.list_(pa.string()))
