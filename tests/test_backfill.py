"""`listenwell backfill`: archives → tags → the database, in bulk; resumable; under both engines."""
from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from listenwell.cli import main
from listenwell.config import load_config
from storage.db import Database
from tests.conftest import REPO

SAMPLES = ["examples/x", "examples/reddit"]
# every table a backfill writes, compared whole (job_runs keeps timings, so it is left out)
TABLES = {
    "posts": "post_uid, seq, platform, native_id, kind, url, title, text, created_at, author_uid, parent_uid, "
             "conversation_uid, parent_url, lang, mentions, raw, source, retrieved_at",
    "tags": "post_uid, seq, lang, sentiment_score, sentiment_label, topics, intents, moments, addressed_to_us, "
            "from_us, tagged_at, pipeline_version, evidence, about_us, competitors, thread_about_us",
    "identities": "identity_uid, platform, handle, display_name, is_ours, person_id, first_seen, last_seen",
    "people": "person_id, name",
    "term_daily": "*",
    "stage_cursors": "*",
}
POST_FIELDS = ("platform, native_id, kind, url, title, text, created_at, author_uid, parent_uid, conversation_uid, "
               "lang, mentions")
TAG_FIELDS = ("lang, sentiment_score, sentiment_label, topics, intents, moments, addressed_to_us, from_us, evidence, "
              "about_us, competitors, thread_about_us")


def cli(config: Path, *args: str, code: int = 0, env: dict | None = None):
    result = CliRunner().invoke(main, ["--config", str(config), *args], env=env)
    assert result.exit_code == code, (result.output, result.exception)
    return result


def snapshot(config: Path, tables: dict[str, str] = TABLES) -> dict[str, list]:
    with Database.open(load_config(config).db_path, read_only=True) as db:
        return {t: sorted(map(repr, db.con.execute(f"SELECT {cols} FROM {t}").fetchall())) for t, cols in tables.items()}


def by_uid(config: Path, table: str, cols: str) -> dict:
    with Database.open(load_config(config).db_path, read_only=True) as db:
        return {r[0]: r[1:] for r in db.con.execute(f"SELECT post_uid, {cols} FROM {table}").fetchall()}


def copy_bundle(root: Path, name: str, **changes) -> Path:
    folder = root / name
    shutil.copytree(REPO / "examples", folder / "examples")
    data = yaml.safe_load((REPO / "config.yaml").read_text())
    data.update(changes)
    (folder / "config.yaml").write_text(yaml.safe_dump(data, sort_keys=False))
    return folder / "config.yaml"


def test_a_backfill_of_the_samples_stores_what_run_once_stores(tmp_path):
    run_config = copy_bundle(tmp_path, "run")
    cli(run_config, "run", "--once", "--no-digest", "--source", "x-samples", "--source", "reddit-samples")
    backfill_config = copy_bundle(tmp_path, "backfill")
    out = cli(backfill_config, "backfill", *[str(backfill_config.parent / p) for p in SAMPLES],
              "--partition-rows", "150", "--processes", "1").output
    assert "posts read from 10 file(s)" in out and "new posts" in out

    posts_run, posts_backfill = by_uid(run_config, "posts", POST_FIELDS), by_uid(backfill_config, "posts", POST_FIELDS)
    assert len(posts_run) > 300 and posts_backfill == posts_run
    tags_run, tags_backfill = by_uid(run_config, "tags", TAG_FIELDS), by_uid(backfill_config, "tags", TAG_FIELDS)
    assert tags_backfill == tags_run
    flags = list(zip(*tags_run.values()))
    assert any(flags[6]) and any(flags[7]) and any(flags[9]) and any(flags[11])  # to us, ours, about us, thread
    people = {"identities": "identity_uid, handle, is_ours, person_id"}
    assert snapshot(backfill_config, people) == snapshot(run_config, people)

    # a rerun adds nothing; the tag job has nothing left to tag
    before = snapshot(backfill_config)
    cli(backfill_config, "backfill", *[str(backfill_config.parent / p) for p in SAMPLES], "--processes", "1")
    assert snapshot(backfill_config) == before
    cli(backfill_config, "run", "--once", "--no-digest", "--source", "x-samples")  # collects the same posts: none new
    after = snapshot(backfill_config, {"tags": TABLES["tags"]})
    assert after == {"tags": before["tags"]}


def _write_formats(folder: Path) -> dict[str, int]:
    import pyarrow as pa
    import pyarrow.parquet as pq
    import zstandard

    folder.mkdir()
    comments = [{"id": f"c{i}", "author": f"redditor{i}", "body": f"Fernhill dashboards saved my week {i}",
                 "created_utc": 1_760_000_000 + i, "subreddit": "dataengineering", "link_id": "t3_s1",
                 "parent_id": "t3_s1", "permalink": f"/r/dataengineering/comments/s1/x/c{i}/"} for i in range(30)]
    submission = {"id": "s1", "author": "op", "title": "Which BI tool?", "selftext": "Looker or Metabase?",
                  "created_utc": 1_759_999_000, "subreddit": "dataengineering",
                  "permalink": "/r/dataengineering/comments/s1/x/"}
    lines = "".join(json.dumps(o) + "\n" for o in [submission, *comments]).encode()
    (folder / "RC_2025-10.zst").write_bytes(zstandard.ZstdCompressor().compress(lines))
    archive = folder / "twitter" / "data"
    archive.mkdir(parents=True)
    (archive / "account.js").write_text('window.YTD.account.part0 = [{"account": {"username": "ana_ops", '
                                        '"accountId": "77", "accountDisplayName": "Ana"}}]')
    tweets = [{"tweet": {"id_str": str(500 + i), "full_text": f"@fernhillhq the export failed again {i}",
                         "created_at": "Wed Oct 10 20:19:24 +0000 2025", "lang": "en",
                         "entities": {"user_mentions": [{"screen_name": "fernhillhq"}]}}} for i in range(5)]
    (archive / "tweets.js").write_text("window.YTD.tweets.part0 = " + json.dumps(tweets))
    header = "platform,id,author,text,created_at\n"
    (folder / "blog.csv").write_text(header + "".join(f"blog,b{i},writer{i},Notes on dashboards {i},"
                                                      f"2025-10-0{1 + i % 9}T10:00:00Z\n" for i in range(4)))
    pq.write_table(pa.table({"platform": ["x", "x"], "id": ["900", "901"], "author": ["pq_user", "pq_user"],
                             "text": ["moving to Metabase", "we love Fernhill"],
                             "created_at": ["2025-10-01T00:00:00Z", "2025-10-02T00:00:00Z"]}), folder / "old.parquet")
    return {"reddit": 31, "x": 7, "blog": 4}


def test_every_archive_format_becomes_posts(tmp_path):
    config = copy_bundle(tmp_path, "formats")
    expected = _write_formats(tmp_path / "archives")
    cli(config, "backfill", str(tmp_path / "archives"), "--processes", "1")
    with Database.open(load_config(config).db_path, read_only=True) as db:
        assert dict(db.con.execute("SELECT platform, count(*) FROM posts GROUP BY ALL").fetchall()) == expected
        assert db.scalar("SELECT count(*) FROM tags") == sum(expected.values())
        # the X archive's owner comes from account.js; its replies to us are addressed to us
        assert db.scalar("SELECT count(*) FROM posts p JOIN tags t USING (post_uid) WHERE author_uid = 'x:ana_ops' "
                         "AND t.addressed_to_us") == 5
        # a Reddit dump comment is threaded under its submission, and the brand is read
        assert db.scalar("SELECT count(*) FROM posts WHERE conversation_uid = 'reddit:t3_s1'") == 31
        assert db.scalar("SELECT count(*) FROM tags WHERE about_us") >= 31


def test_bad_input_is_named_counted_and_skipped(tmp_path):
    import zstandard

    config = copy_bundle(tmp_path, "bad")
    folder = tmp_path / "bad-archives"
    folder.mkdir()
    good = {"id": "g1", "author": "fine", "body": "a good comment", "created_utc": 1_760_000_000,
            "subreddit": "x", "link_id": "t3_a", "parent_id": "t3_a"}
    (folder / "lines.ndjson").write_text(json.dumps(good) + "\n{not json\n" + json.dumps({**good, "id": "g2"}) + "\n")
    whole = zstandard.ZstdCompressor().compress(
        "".join(json.dumps({**good, "id": f"z{i}"}) + "\n" for i in range(2000)).encode())
    (folder / "RC_cut.zst").write_bytes(whole[: len(whole) // 2])
    (folder / "notes.docx").write_bytes(b"PK\x03\x04")
    result = cli(config, "backfill", str(folder), str(tmp_path / "missing.ndjson"), "--processes", "1", code=1)
    out = result.output
    assert "lines.ndjson:2" in out and "notes.docx: unknown archive format" in out
    assert "RC_cut.zst: truncated or corrupt zstd data" in out and "missing.ndjson: no such file" in out
    assert "1 bad line(s) or row(s), 3 bad file(s)" in out
    with Database.open(load_config(config).db_path, read_only=True) as db:
        assert db.scalar("SELECT count(*) FROM posts WHERE native_id IN ('t1_g1', 't1_g2')") == 2  # the rest went on
        assert db.scalar("SELECT count(*) FROM tags") == db.scalar("SELECT count(*) FROM posts")


def test_retag_rewrites_the_tags_after_a_config_change_and_adds_no_post(tmp_path):
    config = copy_bundle(tmp_path, "retag")
    cli(config, "backfill", *[str(config.parent / p) for p in SAMPLES], "--processes", "1")
    before = snapshot(config, {"posts": TABLES["posts"]})
    data = yaml.safe_load(config.read_text())
    data["topics"]["weekend"] = {"keywords": ["weekend", "saturday"]}
    config.write_text(yaml.safe_dump(data, sort_keys=False))
    out = cli(config, "backfill", "--retag", "--processes", "1", "--json").output
    counts = json.loads(out[out.index("{"):])
    assert counts["posts_new"] == 0 and counts["tags_written"] == counts["tagged"] > 300
    assert snapshot(config, {"posts": TABLES["posts"]}) == before
    with Database.open(load_config(config).db_path, read_only=True) as db:
        assert db.scalar("SELECT count(*) FROM tags WHERE list_contains(topics, 'weekend')") > 0
        assert db.scalar("SELECT count(*) FROM tags") == db.scalar("SELECT count(*) FROM posts")


def test_a_held_writer_lock_is_named_and_nothing_is_written_beside_it(tmp_path):
    config = copy_bundle(tmp_path, "locked")
    paths = [str(config.parent / p) for p in SAMPLES]
    holder = subprocess.Popen(  # another process (a run --once) holds the writer lock
        [sys.executable, "-c", "import sys, time; from storage.db import Database; db = Database.open(sys.argv[1]); "
                               "print('holding', flush=True); time.sleep(120)", str(load_config(config).db_path)],
        cwd=REPO, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "holding"
        result = cli(config, "--wait", "0.5", "backfill", *paths, "--partition-rows", "200", "--processes", "1",
                     code=2)
        assert f"locked by PID {holder.pid}" in result.output
    finally:
        holder.kill()
        holder.wait()
    out = cli(config, "backfill", *paths, "--partition-rows", "200", "--processes", "1").output
    assert "422 new posts and 422 tags stored" in out  # once the lock is free


def _generated(root: Path, n: int) -> Path:
    from bench.generate import generate

    generate(n, root / "gen")
    return root / "gen"


def _kill_after_first_partition(cmd: list[str], work: Path, env: dict, marker: str) -> None:
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            start_new_session=True)
    deadline = time.monotonic() + 240
    while not any((work).glob(marker)) and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert proc.poll() is None, proc.stderr.read().decode()[-2000:]  # killed while still running
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()


def _backfill_cmd(config: Path, data: Path, engine: str, work: Path) -> list[str]:
    return [sys.executable, "-m", "listenwell.cli", "--config", str(config), "backfill", str(data), "--engine",
            engine, "--partition-rows", "400", "--processes", "2", "--work-dir", str(work)]


@pytest.mark.slow
def test_killed_mid_way_and_rerun_loses_and_doubles_nothing(tmp_path):
    data = _generated(tmp_path, 3000)
    whole = copy_bundle(tmp_path, "whole")
    cli(whole, "backfill", str(data), "--partition-rows", "400", "--processes", "2")
    killed = copy_bundle(tmp_path, "killed")
    work = tmp_path / "work"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    # mid-way through tagging: loading all of them takes a second, too short a window to aim at reliably
    _kill_after_first_partition(_backfill_cmd(killed, data, "local", work), work, env, "tags/p000002")
    assert not (work / "tags" / "p000007").exists() and not any((work / "loaded").iterdir())
    out = cli(killed, "backfill", str(data), "--partition-rows", "400", "--processes", "2", "--work-dir",
              str(work)).output
    assert "partitions were done before" in out
    assert snapshot(killed) == snapshot(whole)


# --- Ray -----------------------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def ray_head(tmp_path_factory):
    """A Ray head on 127.0.0.1 with 2 CPUs, started (and stopped, by its process group) by this test."""
    pytest.importorskip("ray.data", reason="ray is not installed: pip install 'listenwell[ray]' to run the Ray tests")
    port = _free_port()
    ray_bin = Path(sys.executable).with_name("ray")
    temp = tmp_path_factory.mktemp("ray")
    # token authentication, as a real cluster has it: the head and every client get the same token (whatever a
    # local ray.init() may have left in ~/.ray)
    auth = {"RAY_AUTH_MODE": "token", "RAY_AUTH_TOKEN": os.urandom(16).hex()}
    proc = subprocess.Popen([str(ray_bin), "start", "--head", "--block", "--num-cpus", "2", "--node-ip-address",
                             "127.0.0.1", "--port", str(port), "--include-dashboard", "false",
                             "--object-store-memory", str(512 << 20), "--temp-dir", str(temp),
                             "--disable-usage-stats"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
                            env={**os.environ, **auth})
    address = f"127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            time.sleep(0.5)
    try:
        yield {"RAY_ADDRESS": address, **auth}
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)


@pytest.mark.slow
def test_ray_engine_gives_the_same_database_as_local_and_resumes_after_a_kill(tmp_path, ray_head):
    data = _generated(tmp_path, 2000)
    local = copy_bundle(tmp_path, "local")
    cli(local, "backfill", str(data), "--partition-rows", "400", "--processes", "2")
    env = {**os.environ, "PYTHONPATH": str(REPO), **ray_head}

    on_ray = copy_bundle(tmp_path, "ray")
    result = subprocess.run(_backfill_cmd(on_ray, data, "ray", tmp_path / "work-ray"), env=env, capture_output=True,
                            text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "tag (ray)" in result.stderr
    assert snapshot(on_ray) == snapshot(local)

    killed = copy_bundle(tmp_path, "ray-killed")
    work = tmp_path / "work-killed"
    _kill_after_first_partition(_backfill_cmd(killed, data, "ray", work), work, env, "tags/p000001")
    result = subprocess.run(_backfill_cmd(killed, data, "ray", work), env=env, capture_output=True, text=True,
                            timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "partitions were done before" in result.stdout
    assert snapshot(killed) == snapshot(local)


def test_an_unreachable_ray_cluster_is_a_clear_message_and_exit_2(tmp_path):
    pytest.importorskip("ray.data", reason="ray is not installed: pip install 'listenwell[ray]'")
    config = copy_bundle(tmp_path, "unreachable")
    result = cli(config, "backfill", str(config.parent / "examples/x"), "--engine", "ray", code=2,
                 env={"RAY_ADDRESS": f"127.0.0.1:{_free_port()}"})
    assert "cannot reach the Ray cluster at RAY_ADDRESS=127.0.0.1:" in result.output
    assert "Traceback" not in result.output
    assert not load_config(config).db_path.exists()  # nothing written


def test_progress_says_counts_rate_and_eta_in_plain_lines_when_not_a_terminal():
    from jobs.backfill import Progress

    lines: list[str] = []
    progress = Progress(lines.append, "tag (local)", 1000, tty=False, every=0)
    progress.add(250)
    progress.add(250)
    progress.finish()
    assert lines[0].startswith("tag (local): 250/1,000 posts (25%), ") and " posts/s, ETA " in lines[0]
    assert lines[-1].startswith("tag (local): 500/1,000 posts (50%)")
    assert not any(line.endswith("\r") for line in lines)  # no in-place rewriting into a log file
    on_terminal: list[str] = []
    progress = Progress(on_terminal.append, "load", 10, tty=True)
    progress.add(5)
    progress.finish()
    assert on_terminal[0].endswith("\r") and not on_terminal[-1].endswith("\r")
