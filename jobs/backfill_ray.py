"""The backfill's tag phase on Ray Data (the optional extra ``listenwell[ray]``).

Each posts partition is one Ray Data job: ``read_parquet → repartition → map_batches(tag_partition,
batch_format="pyarrow") → write_parquet`` into a temporary folder, renamed when the job has finished, so a
partition is either tagged whole or not at all (an interrupted backfill redoes only the unfinished ones).

Where: ``RAY_ADDRESS`` names a cluster (``host:6379``, or ``ray://host:10001`` for Ray Client); without it a
local Ray is started on 127.0.0.1 with ``processes`` CPUs and stopped at the end. Workers import listenwell, so
it must be installed on every node (or shipped with a ``runtime_env``; see docs/scale.md), and the work folder
must be one every node sees.
"""
from __future__ import annotations

import os
import shutil
import socket
from typing import Any
from urllib.parse import urlparse

from jobs.backfill import EngineUnavailable, Progress, WorkDir, tag_partition
from nlp.tag_table import TagSettings

BATCH_ROWS = 2_000
LOCAL_OBJECT_STORE = 1 << 30  # a local Ray's shared memory: partitions are small, the machine is shared


def _reachable(address: str, timeout: float = 5.0) -> str | None:
    """None when something answers at the address's host and port, else why not."""
    parsed = urlparse(address if "://" in address else f"ray://{address}")
    host, port = parsed.hostname, parsed.port
    if not host or not port:
        return f"RAY_ADDRESS={address!r} is not host:port (or ray://host:port)"
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return None
    except OSError as exc:
        return f"nothing answers at {host}:{port} ({exc.strerror or exc})"


class RaySession:
    def __init__(self, ray, started_here: bool):
        self.ray = ray
        self.started_here = started_here

    def tag(self, work: WorkDir, todo: list[str], settings: TagSettings, context: dict[str, Any],
            progress: Progress) -> None:
        import pyarrow.parquet as pq
        import ray.data

        ctx = ray.data.DataContext.get_current()
        ctx.enable_progress_bars = False
        ctx.print_on_execution_start = False
        if hasattr(ctx, "use_datasource_v2"):
            # Ray 2.5x's second Parquet reader starts a pool of ten footer-reading actors (~110 MB each) to
            # list files; a partition is one file, and on a 2-core machine that pool doubled the peak memory
            ctx.use_datasource_v2 = False
        blocks = max(2, 2 * int(self.ray.cluster_resources().get("CPU", 1)))
        for name in todo:
            target = work.tags(name)
            staging = target.with_name(f".{name}.ray-{os.getpid()}")
            shutil.rmtree(staging, ignore_errors=True)
            rows = pq.ParquetFile(work.posts(name)).metadata.num_rows
            (ray.data.read_parquet(str(work.posts(name)))
             .repartition(min(blocks, max(1, rows // 500)))
             .map_batches(tag_partition, batch_format="pyarrow", batch_size=BATCH_ROWS,
                          fn_kwargs={"settings": settings, "context": context})
             .write_parquet(str(staging)))
            os.replace(staging, target)
            progress.add(rows)

    def close(self) -> None:
        if self.started_here and self.ray.is_initialized():
            self.ray.shutdown()


def connect(processes: int) -> RaySession:
    """Ray, connected: to ``RAY_ADDRESS`` when set, else a local instance on 127.0.0.1."""
    try:
        import ray
        import ray.data  # noqa: F401  (ray without its data extra)
    except ImportError:
        raise EngineUnavailable("--engine ray needs Ray Data: pip install 'listenwell[ray]' "
                                "(or use --engine local)") from None
    if ray.is_initialized():
        return RaySession(ray, started_here=False)
    address = os.environ.get("RAY_ADDRESS", "").strip()
    quiet: dict[str, Any] = {"logging_level": "ERROR", "log_to_driver": False, "configure_logging": True}
    if address == "auto":  # the cluster this node belongs to
        try:
            ray.init(address="auto", **quiet)
        except Exception as exc:
            raise EngineUnavailable(f"RAY_ADDRESS=auto: no Ray cluster runs on this node ({_first_line(exc)})") from None
        return RaySession(ray, started_here=True)
    if address and address != "local":
        why = _reachable(address)
        if why:
            raise EngineUnavailable(f"cannot reach the Ray cluster at RAY_ADDRESS={address}: {why}. Start it "
                                    f"(`ray start --head` on the head node) or unset RAY_ADDRESS for a local Ray")
        host = urlparse(address if "://" in address else f"ray://{address}").hostname or ""
        if host in ("localhost", "::1") or host.startswith("127."):
            quiet["_node_ip_address"] = "127.0.0.1"  # a cluster on this machine: the driver listens on loopback too
        try:
            ray.init(address=address, **quiet)
        except Exception as exc:  # ConnectionError, a version mismatch, a timeout: said, never a traceback
            raise EngineUnavailable(f"cannot connect to the Ray cluster at RAY_ADDRESS={address}: "
                                    f"{_first_line(exc)}") from None
        return RaySession(ray, started_here=True)
    try:
        os.environ.pop("RAY_ADDRESS", None)
        ray.init(num_cpus=processes, include_dashboard=False, object_store_memory=LOCAL_OBJECT_STORE,
                 _node_ip_address="127.0.0.1", **quiet)
    except Exception as exc:
        raise EngineUnavailable(f"cannot start a local Ray: {_first_line(exc)}") \
            from None
    return RaySession(ray, started_here=True)


def _first_line(exc: BaseException) -> str:
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__
