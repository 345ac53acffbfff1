"""Build the configured collectors: local files here, every platform's from its module (collectors/platforms/)."""
from __future__ import annotations

from glob import glob
from pathlib import Path
from typing import Any

from collectors import platforms
from collectors.base import Collector, SourceError
from collectors.secrets import source_secrets


class NotAvailable:
    """Stands in for a source type this build cannot run yet; fails that source only."""

    def __init__(self, name: str, message: str):
        self.name = name
        self.message = message

    def fetch(self, state: dict[str, Any]):
        raise SourceError(self.message)
        yield  # pragma: no cover  (makes this a generator)


def expand_paths(config, patterns: list[str]) -> list[Path]:
    found: list[Path] = []
    for pattern in patterns:
        resolved = config.resolve(pattern)
        matches = sorted(Path(p) for p in glob(str(resolved), recursive=True))
        found.extend(matches if matches else [resolved])  # a missing file is reported by the collector
    return found


def build_collector(config, source) -> Collector:
    """The collector for ``source``: ``files`` here, every other type from its platform module, given the
    secrets the source names (read here, once; collectors never read the environment)."""
    if source.type == "files":
        from collectors.files import FilesCollector

        return FilesCollector(
            source.name,
            expand_paths(config, source.paths),
            format=source.format,
            our_handles=config.our_handles(),
            columnar=True,  # the runner stores PostsBatch items as they are
        )
    found = platforms.source_type(source.type)
    if found is None:
        raise SourceError(f"unknown source type {source.type!r}")  # unreachable: config validation rejects it
    return found[1].build(source, config, source_secrets(source))
