"""Compare a demo workspace's warehouse with its demo_truth.json (any size, e.g. 1M leads).

    uv run leadjourney demo --workspace /tmp/big --leads 1000000
    uv run python benchmarks/verify_truth.py /tmp/big

Prints whether quarantine per file and kind, and distinct leads reaching each stage (overall and
by channel), equal the ground truth; exits 1 when not. The integration tests do the same at 2,000.
"""

import sys
from pathlib import Path

from pipelines.demo.verify import compare_with_truth

if __name__ == "__main__":
    result = compare_with_truth(Path(sys.argv[1] if len(sys.argv) > 1 else "workspace"))
    rows = sum(sum(kinds.values()) for kinds in result.quarantine.values())
    print(f"quarantine per file and kind equals the truth: "
          f"{result.quarantine == result.quarantine_expected} ({rows:,} rows)")
    print(f"stage_leads overall equal: "
          f"{result.stage_leads['overall'] == result.stage_leads_expected['overall']}; by channel equal: "
          f"{result.stage_leads['by_channel'] == result.stage_leads_expected['by_channel']}")
    sys.exit(0 if result.equal else 1)
