from __future__ import annotations

import pytest

from collectors import http_policy
from tests.reliability.faultserver import FaultServer


@pytest.fixture
def faults():
    with FaultServer() as srv:
        yield srv


@pytest.fixture
def short_deadlines(monkeypatch):
    """Requests give up after 2 s in all (the floor is 10 s in real use): the faults stay fast to test."""
    monkeypatch.setattr(http_policy, "REQUEST_FLOOR", 2.0)
    monkeypatch.setattr(http_policy, "REQUEST_FACTOR", 2.0)
