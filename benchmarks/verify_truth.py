"""Compare a demo workspace's warehouse with its demo_truth.json (any size, e.g. 1M leads).

    uv run leadjourney demo --workspace /tmp/big --leads 1000000
    uv run python benchmarks/verify_truth.py /tmp/big

Prints whether quarantine per file and kind, and distinct leads reaching each stage (overall and
by channel), equal the ground truth; exits 1 when not. The integration tests do the same at 2,000.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import duckdb


def main(workspace: Path) -> int:
    truth = json.loads((workspace / "demo_truth.json").read_text(encoding="utf-8"))
    con = duckdb.connect(str(workspace / "warehouse.duckdb"), read_only=True)
    got: dict[str, dict[str, int]] = {}
    for file_name, kind, n in con.execute(
            "SELECT file_name, reason_kind, count(*) FROM meta.quarantine GROUP BY ALL").fetchall():
        got.setdefault(file_name, {})[kind] = n
    expected = {f: {k: n for k, n in kinds.items() if k in truth["quarantine_kinds"]}
                for f, kinds in truth["defects"].items()}
    quarantine_ok = got == {f: kinds for f, kinds in expected.items() if kinds}
    stages = list(truth["stage_leads"]["overall"])
    overall = dict(con.execute(
        "SELECT stage, count(DISTINCT lead_id) FROM marts.lead_stage_events GROUP BY 1").fetchall())
    by_channel: dict[str, dict[str, int]] = {}
    for stage, channel, n in con.execute("""
            SELECT e.stage, j.original_channel, count(DISTINCT e.lead_id)
            FROM marts.lead_stage_events AS e
            JOIN (SELECT DISTINCT lead_id, original_channel FROM marts.lead_journey) AS j USING (lead_id)
            GROUP BY ALL""").fetchall():
        if stage in stages:
            by_channel.setdefault(channel, dict.fromkeys(stages, 0))[stage] = n
    overall_ok = {s: overall.get(s, 0) for s in stages} == truth["stage_leads"]["overall"]
    channel_ok = by_channel == truth["stage_leads"]["by_channel"]
    total = sum(sum(kinds.values()) for kinds in got.values())
    print(f"quarantine per file and kind equals the truth: {quarantine_ok} "
          f"({total:,} rows; truth {truth['quarantined_rows_total']:,})")
    print(f"stage_leads overall equal: {overall_ok}; by channel equal: {channel_ok}")
    return 0 if quarantine_ok and overall_ok and channel_ok else 1


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1] if len(sys.argv) > 1 else "workspace")))
