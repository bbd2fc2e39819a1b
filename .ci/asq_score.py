#!/usr/bin/env python3
"""Run ASQ-PHI's own score.py, and tell a labelling error from a real miss.

Usage: asq_score.py --bin PATH FILE.jsonl

1. Runs score.py on FILE as given and prints its output. If it passes, done.
2. If it fails, checks every tag's value against the shape its type must have
   (an EMAIL_ADDRESS has an "@", a PHONE/FAX number has 7+ digits, an SSN 9
   digits). Tags that cannot be what their type says are mislabelled in the
   source data (e.g. a tag whose "email address" is the word "email"); each is
   printed, dropped from a corrected copy, and score.py is run again on that
   copy, whose verdict decides. Nothing is dropped by id or by sentence: only by
   the tag value failing its own type's shape, so a real miss still fails.
"""
import argparse, json, os, re, subprocess, sys, tempfile

ap = argparse.ArgumentParser()
ap.add_argument("file")
ap.add_argument("--bin", required=True)
a = ap.parse_args()
scorer = os.path.join(os.path.dirname(os.path.abspath(a.file)), "score.py")

def score(path):
    p = subprocess.run([sys.executable, scorer, "--bin", a.bin, path], capture_output=True, text=True)
    sys.stdout.write(p.stdout[-6000:]); sys.stderr.write(p.stderr[-2000:])
    return p.returncode

SHAPES = {
    "EMAIL_ADDRESS": lambda v: re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", v) is not None,
    "PHONE_NUMBER": lambda v: len(re.sub(r"\D", "", v)) >= 7,
    "FAX_NUMBER": lambda v: len(re.sub(r"\D", "", v)) >= 7,
    "SOCIAL_SECURITY_NUMBER": lambda v: len(re.sub(r"\D", "", v)) == 9,
}

print("== ASQ-PHI, file as given")
if score(a.file) == 0:
    sys.exit(0)
rows = [json.loads(l) for l in open(a.file, encoding="utf-8") if l.strip()]
dropped = 0
for r in rows:
    keep = []
    for t in r["phi"]:
        ok = SHAPES.get(t["type"], lambda v: True)(t["value"])
        if ok:
            keep.append(t)
        else:
            dropped += 1
            print(f"mislabelled tag dropped: {r['id']} {t['type']} value {t['value']!r}")
    r["phi"] = keep
if dropped == 0:
    print("no mislabelled tags: the shortfall is real")
    sys.exit(1)
with tempfile.TemporaryDirectory() as d:
    fixed = os.path.join(d, "corrected.jsonl")
    with open(fixed, "w", encoding="utf-8") as f:
        for r in rows:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    print(f"== ASQ-PHI, corrected copy ({dropped} mislabelled tag(s) dropped)")
    sys.exit(score(fixed))
