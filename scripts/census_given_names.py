#!/usr/bin/env python3
"""How the 1990 US Census given names were added to src/engine/context/first_names.txt.

    pip download --no-deps -d /tmp/pkgs names==0.3.0 english-words==2.0.2
    (cd /tmp/pkgs && tar xzf names-0.3.0.tar.gz && unzip -oq english_words-2.0.2-py3-none-any.whl -d ew)
    python3 scripts/census_given_names.py /tmp/pkgs/names-0.3.0/names /tmp/pkgs/ew/english_words/data

prints the census names that are not yet in the list and pass the filters below, one per line (run on
today's list, it prints nothing: they are all in). The census files (dist.female.first,
dist.male.first) are public-domain US Census data as the MIT-licensed `names` package ships them.

A census name is left out when it is also an English word (the GCIDE list of `english-words`), when
the training drafts (data/train) use it at least twice in lower case and more often in lower case than
capitalised (handles, hashtags and links left aside), when it is a US state, facility or title word
(config/words/), a city, a country or a brand, or when it has three letters or fewer (but for the
short forms in KEEP_SHORT).
"""
import collections
import glob
import json
import os
import pickle
import re
import sys

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
CITIES = set(
    "dallas austin houston orlando denver jackson madison cleveland phoenix savannah georgia virginia carolina "
    "dakota montana nevada chester lincoln sydney paris florence aurora lansing raleigh camden augusta helena "
    "beverly marion salem troy tyler sherman clinton kent dayton columbus trenton tampa reno mesa fresno tulsa "
    "omaha toledo akron erie provo boise juneau dover concord olympia cheyenne billings casper laramie logan "
    "ogden lorain elgin joliet peoria kenosha racine waco abilene amarillo odessa laredo brownsville tucson "
    "yuma flint warren sterling homer pierre bismarck fargo monroe shelby henderson harrison jefferson "
    "washington franklin hamilton burlington lafayette florida indiana india china asia africa israel jordan "
    "egypt kenya america berlin vienna geneva lourdes sinai mercy kaiser".split()
)
# Spanish words, places, hospitals and brands the filters above let through
DROP = set(
    "Angeles Socorro Refugio Soledad Amparo Santos Blanca Mercedes Marina Alba Milagros Rocio Pilar Stanford "
    "Roosevelt Porsche Thu".split()
)
KEEP_SHORT = set("Mae Iva Lou Rae Deb Bea Jae Val Bev Jen Ned Gus Gil Tad Jed Len Ike Wes Sid Abe Mel".split())


def lines(path):
    return [l.strip() for l in open(path, encoding="utf-8") if l.strip() and not l.startswith("#")]


def main(census_dir, words_dir):
    gcide = pickle.load(open(os.path.join(words_dir, "gcide_alpha_lower.pickle"), "rb"))
    current = set(lines(os.path.join(ROOT, "src/engine/context/first_names.txt")))
    blocked = {
        w.lower()
        for f in ["us-states.txt", "not-first-words.txt", "not-place-words.txt", "facility-words.txt", "title-words.txt"]
        for w in lines(os.path.join(ROOT, "config/words", f))
    }
    lower, capital = collections.Counter(), collections.Counter()
    for f in glob.glob(os.path.join(ROOT, "data/train/*.jsonl")):
        for l in open(f, encoding="utf-8"):
            text = re.sub(r"(https?://|www\.)\S+|[@#]\w+|\S+@\S+", "", json.loads(l)["text"])
            for w in re.findall(r"[A-Za-z]+", text):
                if w.islower():
                    lower[w] += 1
                elif w[0].isupper() and w[1:].islower():
                    capital[w] += 1
    added = []
    for f in ["dist.female.first", "dist.male.first"]:
        for l in open(os.path.join(census_dir, f), encoding="utf-8"):
            name = l.split()[0].title()
            key = name.lower()
            if name in current or name in added or name in DROP:
                continue
            if len(name) <= 3 and name not in KEEP_SHORT:
                continue
            if key in gcide or key in blocked or key in CITIES:
                continue
            if lower[key] >= 2 and lower[key] >= capital[name]:
                continue
            added.append(name)
    for name in added:
        print(name)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
