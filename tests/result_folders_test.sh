#!/usr/bin/env bash
# scripts/lib/result-folders.sh: which result folders flip-test and compare-blas
# reuse. Folders written by this build are kept or resumed; any other build's,
# or another preset's, are emptied and started over.
#   tests/result_folders_test.sh PRISM SOURCE_DIR
set -euo pipefail
prism="$1" source_dir="$2"
source "$source_dir/scripts/lib/result-folders.sh"
scratch=$(mktemp -d /tmp/prism-result-folders-test.XXXXXX)
trap 'rm -rf "$scratch"' EXIT
read -r commit dirty < <("$prism" version --json | python3 -c 'import json,sys; v=json.load(sys.stdin); print(v["git_commit"], str(v["git_dirty"]).lower())')
failures=0
expect() {  # expect WHAT GOT [FILE-THAT-MUST-REMAIN-OR-VANISH]
  if [[ "$1" != "$2" ]]; then echo "FAIL: $3: expected $1, got $2"; failures=$((failures + 1)); else echo "ok: $3: $2"; fi
}
results() {  # results DIR COMMIT DIRTY PRESET
  mkdir -p "$1"
  printf '{"context": {"git_commit": "%s", "git_dirty": %s, "preset": "%s", "seed_base": 0}, "claims": []}\n' \
    "$2" "$3" "$4" >"$1/results.json"
}
journal() {  # journal DIR COMMIT DIRTY PRESET
  mkdir -p "$1"
  printf '{"journal":1,"run":{"git_commit":"%s","git_dirty":%s,"preset":"%s","seed_base":0}}\n' "$2" "$3" "$4" \
    >"$1/journal.jsonl"
}
other=0000000000000000000000000000000000000000

expect new "$(folder_state "$prism" "$scratch/absent" 2>/dev/null)" "a folder that does not exist"
[[ -d "$scratch/absent" ]] || { echo "FAIL: folder_state did not create the new folder"; failures=$((failures + 1)); }

results "$scratch/stale" "$other" false quick
expect new "$(folder_state "$prism" "$scratch/stale" preset=quick 2>"$scratch/why")" "results from another commit"
expect 0 "$(ls -A "$scratch/stale" | wc -l)" "the other commit's folder is emptied"
grep -q "$other" "$scratch/why" || { echo "FAIL: the message does not name the other commit"; failures=$((failures + 1)); }

journal "$scratch/old-journal" "$other" false quick
expect new "$(folder_state "$prism" "$scratch/old-journal" preset=quick 2>/dev/null)" "a journal from another commit"

results "$scratch/mine" "$commit" "$dirty" quick
journal "$scratch/started" "$commit" "$dirty" quick
results "$scratch/other-preset" "$commit" "$dirty" full
if [[ $dirty == false ]]; then
  expect done "$(folder_state "$prism" "$scratch/mine" preset=quick)" "results from this build"
  expect partial "$(folder_state "$prism" "$scratch/started" preset=quick)" "a journal from this build"
else  # a dirty tree cannot name what it built: nothing is reused
  expect new "$(folder_state "$prism" "$scratch/mine" preset=quick 2>/dev/null)" "results from this dirty build"
  expect new "$(folder_state "$prism" "$scratch/started" preset=quick 2>/dev/null)" "a journal from this dirty build"
fi
expect new "$(folder_state "$prism" "$scratch/other-preset" preset=quick 2>/dev/null)" "this build's results, another preset"
exit $((failures > 0))
