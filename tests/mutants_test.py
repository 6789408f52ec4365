#!/usr/bin/env python3
"""tests/mutants.json stays applicable: every mutant names a registered claim,
an existing file, and a `find` that occurs exactly once in it and differs from
its `replace`. scripts/mutation-test (CTest label `mutation`, not in the
default run) stops with exit 2 on a mutant that no longer applies; this cheap
test catches the drift in the default run, when the measuring code moves.

usage: mutants_test.py PRISM_BINARY SOURCE_DIR
"""
import json
import os
import subprocess
import sys

prism, source = sys.argv[1], sys.argv[2]
listed = json.loads(subprocess.run([prism, "list", "--json"], capture_output=True, text=True, check=True).stdout)
claims = {c["id"] for c in (listed["claims"] if isinstance(listed, dict) else listed)}
mutants = json.load(open(os.path.join(source, "tests", "mutants.json")))
failures = []
names = [m["name"] for m in mutants]
for name in sorted({n for n in names if names.count(n) > 1}):
    failures.append(f"mutant name {name} used twice")
for m in mutants:
    where = f"mutant {m['name']}"
    if m["claim"] not in claims:
        failures.append(f"{where}: claim {m['claim']} is not registered (prism list)")
    path = os.path.join(source, m["file"])
    if not os.path.isfile(path):
        failures.append(f"{where}: no file {m['file']}")
        continue
    count = open(path).read().count(m["find"])
    if count != 1:
        failures.append(f"{where}: 'find' occurs {count} times in {m['file']} (expected 1): re-point it at the code")
    if m["find"] == m["replace"]:
        failures.append(f"{where}: 'replace' equals 'find'")
per_claim = {}
for m in mutants:
    per_claim[m["claim"]] = per_claim.get(m["claim"], 0) + 1
for claim in sorted(claims):
    if per_claim.get(claim, 0) < 2:
        failures.append(f"claim {claim} has {per_claim.get(claim, 0)} mutants (issue 12: at least two per claim)")
for f in failures:
    print("FAIL:", f)
print(f"{len(mutants)} mutants over {len(per_claim)} claims, {len(failures)} failures")
sys.exit(1 if failures else 0)
