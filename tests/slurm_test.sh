#!/usr/bin/env bash
# scripts/slurm-run for real, on a single-node Slurm cluster started here:
# installs Debian's slurm-wlm and munge if missing, starts munged, slurmctld and
# slurmd (a minimal slurm.conf: proctrack/linuxproc, task/none, this machine's
# CPUs and memory; its own ports, state and munge socket in a scratch folder),
# submits the quick catalog of two claims as a 3-task array with its merge job,
# waits, and compares the merged results with an unsharded run value for value.
# Then a shard that fails must make the merge job name it. Stops every daemon it
# started, by process id.
#
#   tests/slurm_test.sh PRISM_BINARY SOURCE_DIR
set -euo pipefail
prism="$1" source="$2"
readonly CLAIMS='^(winn-consistency|min-norm-alignment)$'

missing=()
for p in slurm-wlm munge; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p"); done
if ((${#missing[@]})); then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

dir="$(mktemp -d /tmp/prism-slurm-test.XXXXXX)"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do while kill -0 "$pid" 2>/dev/null; do sleep 0.2; done; done
  rm -rf "$dir"
}
trap cleanup EXIT

host="$(hostname -s)"
cpus="$(nproc)"
mem="$(slurmd -C | sed -n 's/.*RealMemory=\([0-9]*\).*/\1/p')"
port=$((17000 + RANDOM % 2000))
mkdir -p "$dir/munge" "$dir/state" "$dir/spool"
head -c 1024 /dev/urandom >"$dir/munge/munge.key"
chmod 700 "$dir/munge"
chmod 400 "$dir/munge/munge.key"
munged --foreground --force --key-file "$dir/munge/munge.key" --socket "$dir/munge/socket" \
  --pid-file "$dir/munge/munged.pid" --log-file "$dir/munge/munged.log" --seed-file "$dir/munge/seed" &
pids+=($!)

cat >"$dir/slurm.conf" <<CONF
ClusterName=prismtest
SlurmctldHost=$host
SlurmctldPort=$port
SlurmdPort=$((port + 1))
AuthType=auth/munge
AuthInfo=socket=$dir/munge/socket
CredType=cred/munge
SlurmUser=root
SlurmdUser=root
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
MpiDefault=none
SchedulerType=sched/builtin
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
ReturnToService=2
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/slurmctld.log
SlurmdLogFile=$dir/slurmd.log
NodeName=$host CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=test Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
export SLURM_CONF="$dir/slurm.conf"
for _ in $(seq 50); do [[ -S "$dir/munge/socket" ]] && break; sleep 0.1; done
slurmctld -D -i -f "$SLURM_CONF" &
pids+=($!)
slurmd -D -f "$SLURM_CONF" &
pids+=($!)
for _ in $(seq 100); do sinfo -h -o %T 2>/dev/null | grep -q idle && break; sleep 0.3; done
sinfo -h -o %T | grep -q idle || { echo "slurm_test: the node never became idle"; tail "$dir"/*.log; exit 1; }

wait_for() {  # job id: until it has left the queue
  for _ in $(seq 1200); do squeue -h -j "$1" 2>/dev/null | grep -q . || return 0; sleep 1; done
  echo "slurm_test: job $1 still queued after 20 minutes"; return 1
}

# 1. The sharded run on the cluster against an unsharded run, value for value.
"$source/scripts/slurm-run" --preset quick --filter "$CLAIMS" --shards 3 --cpus 1 --mem 2000 --out "$dir/run" | tee "$dir/submit.txt"
merge_id="$(sed -n 's/.*merge: job \([0-9]*\).*/\1/p' "$dir/submit.txt")"
wait_for "$merge_id"
[[ -f "$dir/run/merged/results.json" ]] || { echo "slurm_test: no merged results"; cat "$dir/run/logs/"*.out; exit 1; }
# The same BLAS threads as the shards (--cpus 1): the values must agree to the bit.
"$prism" run --preset quick --filter "$CLAIMS" --out "$dir/whole" --threads 1 --no-report --quiet >/dev/null
python3 - "$dir/run/merged/results.json" "$dir/whole/results.json" <<'PY'
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
def values(r):
    return {(c["id"], json.dumps(p["params"], sort_keys=True), k): v["values"]
            for c in r["claims"] for p in c["points"] for k, v in p["observations"].items()}
def verdicts(r):
    return {(c["id"], k["name"]): k["verdict"] for c in r["claims"] for k in c["checks"] + c["controls"]}
va, vb = values(a), values(b)
assert va.keys() == vb.keys(), "the merged run and the unsharded run measured different points"
diff = [k for k in va if va[k] != vb[k]]
assert not diff, f"{len(diff)} values differ, e.g. {diff[:3]}"
assert verdicts(a) == verdicts(b), "verdicts differ"
print(f"slurm_test: merged = unsharded: {len(va)} observations, {len(verdicts(a))} verdicts")
PY

# 2. A shard that fails: the merge job names it and fails. Shard 2's output
# folder is made a regular file, so its `prism run` cannot write there.
mkdir -p "$dir/broken"
touch "$dir/broken/shard-2"
"$source/scripts/slurm-run" --preset quick --filter "$CLAIMS" --shards 3 --cpus 1 --mem 2000 --out "$dir/broken" >"$dir/submit2.txt"
merge2="$(sed -n 's/.*merge: job \([0-9]*\).*/\1/p' "$dir/submit2.txt")"
wait_for "$merge2"
grep -q "shard 2/3 failed" "$dir/broken/logs/merge.out" || { echo "slurm_test: the merge log does not name shard 2:"; cat "$dir/broken/logs/merge.out"; exit 1; }
[[ ! -f "$dir/broken/merged/results.json" ]] || { echo "slurm_test: a merge over a failed shard wrote results"; exit 1; }
echo "slurm_test: the failed shard is named: $(grep 'shard 2/3 failed' "$dir/broken/logs/merge.out")"
