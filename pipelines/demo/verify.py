"""Compare a demo workspace's warehouse with its `demo_truth.json`."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import duckdb

from pipelines.contract import NO_VALUE


@dataclass
class TruthComparison:
    quarantine: dict[str, dict[str, int]]
    quarantine_expected: dict[str, dict[str, int]]
    stage_leads: dict
    stage_leads_expected: dict

    @property
    def equal(self) -> bool:
        return self.quarantine == self.quarantine_expected and self.stage_leads == self.stage_leads_expected


def compare_with_truth(workspace: Path) -> TruthComparison:
    """Quarantined rows per file and kind, and distinct leads reaching each stage (overall and by
    channel), as the warehouse has them and as the ground truth states them."""
    truth = json.loads((workspace / "demo_truth.json").read_text(encoding="utf-8"))
    con = duckdb.connect(str(workspace / "warehouse.duckdb"), read_only=True)
    try:
        quarantine: dict[str, dict[str, int]] = {}
        # The truth's files by content: a file the same as an earlier export day's was not loaded
        # again, its quarantine is the earlier file's; an earlier day's other files are not this truth's.
        digests = {hashlib.sha256((workspace / "landing" / name).read_bytes()).hexdigest(): name
                   for name in truth["files"]}
        for digest, kind, n in con.execute(
                "SELECT m.sha256, q.reason_kind, count(*) FROM meta.quarantine AS q "
                "JOIN meta.load_manifest AS m USING (load_id) GROUP BY ALL").fetchall():
            if digest in digests:
                quarantine.setdefault(digests[digest], {})[kind] = n
        stages = list(truth["stage_leads"]["overall"])
        overall = dict(con.execute(
            "SELECT stage, count(DISTINCT lead_id) FROM marts.lead_stage_events GROUP BY 1").fetchall())
        by_channel: dict[str, dict[str, int]] = {}
        for stage, channel, n in con.execute(f"""
                SELECT e.stage, j.original_channel, count(DISTINCT e.lead_id)
                FROM marts.lead_stage_events AS e
                JOIN (SELECT DISTINCT lead_id, coalesce(original_channel, '{NO_VALUE}') AS original_channel
                      FROM marts.lead_journey) AS j USING (lead_id)
                GROUP BY ALL""").fetchall():
            if stage in stages:
                by_channel.setdefault(channel, dict.fromkeys(stages, 0))[stage] = n
    finally:
        con.close()
    expected = {f: {k: n for k, n in kinds.items() if k in truth["quarantine_kinds"]}
                for f, kinds in truth["defects"].items()}
    return TruthComparison(
        quarantine, {f: kinds for f, kinds in expected.items() if kinds},
        {"overall": {s: overall.get(s, 0) for s in stages}, "by_channel": by_channel},
        truth["stage_leads"])
