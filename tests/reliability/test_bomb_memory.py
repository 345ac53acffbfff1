"""Peak memory while a feed sends a 2 GiB gzip bomb: the collector stops at 10 MB of decoded body and the
process's peak RSS stays small. Measured in a fresh process (VmHWM), printed for docs/reliability.md."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

PROBE = """
import json, sys, time
from datetime import datetime, timezone
from collectors.feeds import FeedCollector
from collectors.base import SourceError
def hwm():  # this process's peak RSS in KB (VmHWM; ru_maxrss would carry the forking parent's peak)
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
base = hwm()
c = FeedCollector("bomb", url=sys.argv[1], timeout=5, comments=False,
                  now=lambda: datetime(2026, 11, 20, tzinfo=timezone.utc))
started = time.monotonic()
try:
    list(c.fetch({}))
    error = None
except SourceError as exc:
    error = str(exc)
print(json.dumps({"error": error, "seconds": round(time.monotonic() - started, 2),
                  "rss_before_kb": base, "peak_rss_kb": hwm()}))
"""


@pytest.mark.long
def test_peak_memory_under_a_two_gib_gzip_bomb(faults):
    out = subprocess.run([sys.executable, "-c", PROBE, faults.url("/bomb")], capture_output=True, text=True,
                         timeout=300)
    result = json.loads(out.stdout.strip().splitlines()[-1])
    print(json.dumps(result))
    assert "larger than 10 MB" in result["error"]
    assert result["peak_rss_kb"] - result["rss_before_kb"] < 100 * 1024, result
