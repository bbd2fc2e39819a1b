#!/usr/bin/env python3
"""Reads score.py's report on stdin, prints it, and fails (exit 1) when a category is found in fewer
of the drafts that need it than issue 7 asks: phi, patient-reference and clinical-advice in at least
95%, health-claim in at least 90%. A category missing from the table fails too."""
import re
import sys

MIN = {"phi": 0.95, "patient-reference": 0.95, "clinical-advice": 0.95, "health-claim": 0.90}
seen = {}
for line in sys.stdin:
    sys.stdout.write(line)
    m = re.match(r"^([a-z-]+)\s+(\d+)/(\d+)\s+\d+/\d+\s*$", line)
    if m and m.group(1) in MIN:
        seen[m.group(1)] = (int(m.group(2)), int(m.group(3)))
failed = False
for cat, low in MIN.items():
    if cat not in seen:
        print(f"category gate: {cat} is not in the report", file=sys.stderr)
        failed = True
        continue
    found, total = seen[cat]
    ok = total > 0 and found / total >= low
    print(f"category gate: {cat} {found}/{total} (at least {low:.0%}): {'ok' if ok else 'FAILED'}")
    failed |= not ok
sys.exit(1 if failed else 0)
