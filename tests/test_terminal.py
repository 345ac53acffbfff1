"""Escape sequences and controls in post text never reach the terminal, on every console path."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from delivery.alerts import alert_text
from listenwell.cli import main
from listenwell.config import load_config
from listenwell.terminal import json_safe, terminal_safe
from storage.db import Database

# set the window title, clear the screen, OSC 52 clipboard write, 8-bit CSI, a bell, an RTL override
HOSTILE = "\x1b]0;pwned\x07\x1b[2J\x1b[H\x1b]52;c;ZXZpbA==\x07\x9b31m\u202e\x08\r"
BAD = ("\x1b", "\x9b", "\x07", "\x08", "\r", "\u202e")


def test_the_helper():
    assert terminal_safe(f"ok{HOSTILE}done") == "okdone"
    assert terminal_safe("a\nb\tc") == "a\nb\tc" and terminal_safe("a\nb\tc", one_line=True) == "a b c"
    assert json.loads(json_safe(json.dumps({"t": "x\x9by\u202ez"}, ensure_ascii=False)))["t"] == "x\x9by\u202ez"
    assert "\x9b" not in json_safe(json.dumps("x\x9by", ensure_ascii=False))


def test_alert_lines():
    text = alert_text({"title": f"Ana{HOSTILE} posted", "reason": f"why{HOSTILE}", "url": f"https://x.com/{HOSTILE}"})
    assert text.startswith("ALERT Ana posted") and not any(c in text for c in BAD)


@pytest.fixture(scope="module")
def hostile(bundled_run: Path, tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("terminal") / "site"
    shutil.copytree(bundled_run.parent, root, ignore=shutil.ignore_patterns("listenwell-web.*"))
    config = root / "config.yaml"
    with Database.open(load_config(config).db_path, read_only=True) as db:
        kc = db.con.execute("SELECT name FROM people WHERE is_key_client ORDER BY person_id LIMIT 1").fetchone()[0]
    # the team's commands (issue 22) print names, notes and actors that people typed
    env = {"LISTENWELL_USER": f"ops{HOSTILE}"}
    for args in (["touch", kc, "--kind", "call", "--note", f"note{HOSTILE}"],
                 ["reach-out", "snooze", kc, "--by", f"ana{HOSTILE}"], ["tokens", "create", f"zap{HOSTILE}"]):
        result = CliRunner().invoke(main, ["--config", str(config), *args], env=env)
        assert result.exit_code == 0, (args, result.output)
    (root / "posts.txt").write_text(f"@fernhillhq the export failed again{HOSTILE}\nhow do I export to csv?{HOSTILE}\n")
    with Database.open(load_config(config).db_path) as db, db.transaction() as con:
        con.execute("UPDATE reply_suggestions SET assigned_to = ?, decided_by = ?, decided_at = now()",
                    [f"cy{HOSTILE}", f"ana{HOSTILE}"])
        con.execute("UPDATE posts SET text = text || ?", [HOSTILE])
        con.execute("UPDATE people SET name = name || ?, notes = coalesce(notes, '') || ?", [HOSTILE, HOSTILE])
        con.execute("UPDATE reply_suggestions SET text = text || ?, reason = reason || ?", [HOSTILE, HOSTILE])
        con.execute("UPDATE source_state SET last_error = ?, last_note = ?", [HOSTILE, HOSTILE])
        sid = con.execute("SELECT suggestion_id FROM reply_suggestions LIMIT 1").fetchone()[0]
        person = con.execute("SELECT person_id FROM people WHERE is_key_client LIMIT 1").fetchone()[0]
    (root / "ids.json").write_text(json.dumps({"sid": sid, "person": person, "posts": str(root / "posts.txt")}))
    return config


@pytest.mark.parametrize("args", [("queue", "list", "--status", "all"), ("queue", "show", "{sid}"), ("people",),
                                  ("person", "{person}"), ("sources",), ("reach-out",),
                                  ("queue", "list", "--json"), ("sources", "--json"),
                                  ("touches",), ("reach-out", "unsnooze"), ("people", "suggest-merges"),
                                  ("tokens", "list"), ("log",), ("nlp", "tag", "{posts}"),
                                  ("nlp", "tag", "{posts}", "--json")])
def test_console_output_is_clean(hostile: Path, args):
    ids = json.loads((hostile.parent / "ids.json").read_text())
    args = [a.format(**ids) for a in args]
    result = CliRunner().invoke(main, ["--config", str(hostile), *args])
    assert result.exit_code == 0, result.output
    assert len(result.output) > 50
    leaked = [repr(c) for c in BAD if c in result.output]
    assert leaked == [], f"{args}: {leaked}"


def test_data_for_a_terminal_is_cleaned_even_split_between_writes():
    """`export … ` and `reach-out --ics -` write data; on a terminal it is cleaned like every other line
    (piped, the bytes stay exact), even when a character or a sequence is split between two writes."""
    import io

    from listenwell.cli_common import _TerminalData

    raw = io.BytesIO()
    out = _TerminalData(raw)
    data = f"name,note\r\nAnaïs,hi{HOSTILE}🙂\r\n".encode()
    for i in range(len(data)):
        out.write(data[i:i + 1])
    text = raw.getvalue().decode("utf-8")
    assert "Anaïs" in text and "🙂" in text and not any(c in text for c in BAD)
