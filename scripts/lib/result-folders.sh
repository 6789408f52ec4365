# Sourced by the scripts that keep one result folder per unit of work and pick
# up where an earlier invocation stopped (flip-test, compare-blas). A folder is
# reused only when this binary, built from a clean tree, made it: otherwise a
# resumed test would silently mix two builds' verdicts.

# folder_state PRISM DIR [KEY=VALUE...] prints
#   done     DIR/results.json was written by this build (with each KEY, e.g.
#            preset=quick, equal to VALUE in its context)
#   partial  DIR/journal.jsonl was started so: `prism run --resume DIR`
#   new      nothing reusable (DIR is emptied, and stderr says why when it held a run)
folder_state() {
  python3 - "$@" <<'PY'
import json, os, shutil, subprocess, sys
prism, folder = sys.argv[1:3]
wanted = dict(arg.split("=", 1) for arg in sys.argv[3:])
me = json.loads(subprocess.run([prism, "version", "--json"], check=True, capture_output=True, text=True).stdout)

def made_here(identity):
    return (not me["git_dirty"] and identity.get("git_commit") == me["git_commit"]
            and identity.get("git_dirty") is False
            and all(str(identity.get(key)) == value for key, value in wanted.items()))

def identity_of(path, read):
    try:
        with open(path) as f:
            return read(f)
    except (OSError, ValueError, KeyError):
        return None

results = identity_of(os.path.join(folder, "results.json"), lambda f: json.load(f)["context"])
journal = identity_of(os.path.join(folder, "journal.jsonl"), lambda f: json.loads(f.readline())["run"])
if results is not None and made_here(results):
    print("done")
elif results is None and journal is not None and made_here(journal):
    print("partial")
else:
    old = results or journal
    if old is not None:
        made = {key: old.get(key) for key in ["git_commit", "git_dirty", *wanted]}
        print(f"{folder}: its run ({made}) is not this one (git_commit {me['git_commit']}, git_dirty "
              f"{me['git_dirty']}{''.join(f', {k} {v}' for k, v in wanted.items())}); starting it over"
              f"{' (a dirty tree reuses nothing)' if me['git_dirty'] else ''}", file=sys.stderr)
    shutil.rmtree(folder, ignore_errors=True)
    os.makedirs(folder)
    print("new")
PY
}
