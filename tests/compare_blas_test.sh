#!/usr/bin/env bash
# scripts/compare-blas with a serial backend run as shards: reference BLAS as two
# one-thread shards merged into its folder, beside OpenBLAS in one process, on
# one small claim. The merged folder must hold a whole run (not a shard) with
# OpenBLAS's verdicts, the comparison must pass, a bad shard count must exit 2,
# and (from a clean tree, which alone may reuse folders) a second invocation
# must keep both folders instead of measuring again.
#   tests/compare_blas_test.sh PRISM SOURCE_DIR
set -euo pipefail
prism="$1" source_dir="$2"
scratch=$(mktemp -d /tmp/prism-compare-blas-test.XXXXXX)
trap 'rm -rf "$scratch"' EXIT
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
compare() {  # compare LOG [compare-blas arguments]: its exit status
  local log="$1" rc=0
  shift
  PRISM_SKIP_APT=1 PRISM_BLAS_BACKENDS="reference openblas" PRISM_COMPARE_SHARDS="${shards:-2}" \
    PRISM_BENCH_ARGS="--benchmark_filter=dgemm/64/" "$source_dir/scripts/compare-blas" "$@" >"$log" 2>&1 || rc=$?
  echo $rc
}

rc=$(compare "$scratch/first.log" "$scratch/out" --filter min-norm-alignment)
[[ $rc == 0 ]] || { fail "compare-blas exited $rc"; tail -n 20 "$scratch/first.log"; }
grep -q "=== reference (new, 2 shards) ===" "$scratch/first.log" || fail "reference did not run as 2 shards"
for k in 1 2; do
  [[ -f "$scratch/out/reference/shard-$k/results.json" ]] || fail "no results in shard $k"
done
python3 - "$scratch/out" <<'PY' || failures=$((failures + 1))
import json, sys
out = sys.argv[1]
runs = {b: json.load(open(f"{out}/{b}/results.json")) for b in ("reference", "openblas")}
def verdicts(r):
    return {(c["id"], k["name"]): k["verdict"] for c in r["claims"] for k in c.get("checks", []) + c.get("controls", [])}
bad = []
if runs["reference"]["context"].get("shard") != "merged from 2 shards":
    bad.append(f"reference context shard {runs['reference']['context'].get('shard')!r}, expected 'merged from 2 shards'")
if runs["reference"]["context"].get("blas", {}).get("backend") != "reference":
    bad.append("the merged run does not name reference BLAS")
ref, ob = verdicts(runs["reference"]), verdicts(runs["openblas"])
if not ref or ref != ob:
    bad.append(f"verdicts differ or are empty: reference {ref}, openblas {ob}")
for b in bad:
    print("FAIL:", b)
sys.exit(1 if bad else 0)
PY
[[ -f "$scratch/out/comparison.pdf" ]] || fail "no comparison.pdf"

rc=$(shards=zero compare "$scratch/bad.log" "$scratch/bad" --filter min-norm-alignment)
[[ $rc == 2 ]] || fail "PRISM_COMPARE_SHARDS=zero exited $rc, expected 2"
grep -q "PRISM_COMPARE_SHARDS is 'zero'" "$scratch/bad.log" || fail "the message does not name PRISM_COMPARE_SHARDS"

if [[ $("$prism" version --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["git_dirty"])') == False ]]; then
  rc=$(compare "$scratch/second.log" "$scratch/out" --filter min-norm-alignment)
  [[ $rc == 0 ]] || fail "the second compare-blas exited $rc"
  grep -q "=== reference (done) ===" "$scratch/second.log" || fail "the merged reference folder was not kept"
  grep -q "=== openblas (done) ===" "$scratch/second.log" || fail "the openblas folder was not kept"
else
  echo "skip: a dirty tree reuses no folder, so the second invocation is not tested"
fi
exit $((failures > 0))
