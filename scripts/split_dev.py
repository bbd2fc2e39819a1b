#!/usr/bin/env python3
"""Split ../shared/corpus/realistic-dev.jsonl by a hash of each draft's id.

Half "read" (first byte of sha256(id) even) may be looked at when studying
failures; half "held" is only ever scored. Neither half is training data.

Usage: split_dev.py CORPUS.jsonl OUTDIR   -> OUTDIR/dev-read.jsonl, OUTDIR/dev-held.jsonl
"""
import hashlib, json, os, sys

src, out = sys.argv[1], sys.argv[2]
os.makedirs(out, exist_ok=True)
halves = {"read": [], "held": []}
for n, line in enumerate(open(src, encoding="utf-8"), 1):
    if not line.strip():
        continue
    d = json.loads(line)
    h = hashlib.sha256(d["id"].encode()).digest()[0]
    halves["read" if h % 2 == 0 else "held"].append(line if line.endswith("\n") else line + "\n")
for name, lines in halves.items():
    with open(os.path.join(out, f"dev-{name}.jsonl"), "w", encoding="utf-8") as f:
        f.writelines(lines)
    print(f"dev-{name}.jsonl: {len(lines)} drafts")
