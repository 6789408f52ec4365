#!/usr/bin/env python3
"""The CI templates in ci/ parse as YAML and name only what exists: every
`prism` subcommand and option they use is in `prism --help`, every `scripts/`
file exists and is executable, and every BLAS backend of a matrix is one that
`prism blas --json` knows.

usage: ci_templates_test.py PRISM_BINARY SOURCE_DIR
"""
import json
import os
import re
import shlex
import subprocess
import sys

import yaml

prism, source = sys.argv[1], sys.argv[2]
usage = subprocess.run([prism, "--help"], capture_output=True, text=True, check=True).stdout
commands = set(re.findall(r"^  (\w+) ", usage, re.M))
options = set(re.findall(r"(--[a-z][a-z-]*)", usage))
backends = {b["name"] for b in json.loads(subprocess.run([prism, "blas", "--json"], capture_output=True, text=True,
                                                          check=True).stdout)}
failures = []


def shell_lines(node):
    """Every string under a `run` (GitHub) or `script` (GitLab) key."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("run", "script", "before_script"):
                for line in (value if isinstance(value, list) else [value]):
                    yield from str(line).splitlines()
            else:
                yield from shell_lines(value)
    elif isinstance(node, list):
        for item in node:
            yield from shell_lines(item)


def matrix_backends(node):
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("backend", "BACKEND") and isinstance(value, list):
                yield from value
            else:
                yield from matrix_backends(value)
    elif isinstance(node, list):
        for item in node:
            yield from matrix_backends(item)


for name in ("github-actions.yml", "gitlab-ci.yml"):
    path = os.path.join(source, "ci", name)
    with open(path) as f:
        doc = yaml.safe_load(f)  # raises on a YAML error
    if not isinstance(doc, dict):
        failures.append(f"{name}: not a mapping")
        continue
    lines = list(shell_lines(doc))
    if not any("prism" in l or "scripts/run" in l for l in lines):
        failures.append(f"{name}: runs no prism command")
    for line in lines:
        for command in re.split(r"&&|\|\||;|\|", line):
            try:
                words = shlex.split(command)
            except ValueError as e:
                failures.append(f"{name}: cannot split '{command}': {e}")
                continue
            for i, w in enumerate(words):
                if w.startswith("scripts/"):
                    script = os.path.join(source, w)
                    if not (os.path.isfile(script) and os.access(script, os.X_OK)):
                        failures.append(f"{name}: {w} is not an executable script of prism")
                    if w in ("scripts/run",):  # passes its options to `prism run`
                        for o in words[i + 1:]:
                            if o.startswith("--") and o.split("=")[0] not in options:
                                failures.append(f"{name}: scripts/run option {o} is not a prism run option")
                if w.endswith("build/release/prism"):
                    sub = words[i + 1] if i + 1 < len(words) else ""
                    if sub not in commands:
                        failures.append(f"{name}: prism {sub}: no such command")
                    for o in words[i + 2:]:
                        if o.startswith("--") and not o.startswith("--benchmark") and o.split("=")[0] not in options:
                            failures.append(f"{name}: prism {sub} {o}: no such option")
    for b in matrix_backends(doc):
        if b not in backends:
            failures.append(f"{name}: BLAS backend '{b}' is not one prism knows ({sorted(backends)})")

for f in failures:
    print("FAIL:", f)
print(f"{len(failures)} problem(s) in ci/")
sys.exit(1 if failures else 0)
