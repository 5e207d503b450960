"""Pause points for the crash-safety tests: a run told to pause at a named point (the
LEADJOURNEY_PAUSE_AT environment variable, `point` or `point@detail`) says so on standard error
and waits there, so that a test can kill its process group at a known moment: inside an ingest
transaction, between files, during the checks, in the middle of publication. Unset, nothing
pauses; the variable is meant for tests only."""

from __future__ import annotations

import os
import sys
import time

ENV_VAR = "LEADJOURNEY_PAUSE_AT"


def pause_point(point: str, detail: str = "") -> None:
    wanted = os.environ.get(ENV_VAR)
    if not wanted:
        return
    name, _, where = wanted.partition("@")
    if name != point or (where and where != detail):
        return
    print(f"paused at {point}{'@' + detail if detail else ''} (pid {os.getpid()})", file=sys.__stderr__,
          flush=True)
    while True:
        time.sleep(60)
