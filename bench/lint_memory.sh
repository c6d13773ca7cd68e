#!/usr/bin/env bash
# Peak memory of `driftlint lint` on two 20 MB files, in every output format, with squawk
# (pip install squawk-cli) on the same files side by side when it is installed:
#
#   real:      real migration statements: the corpus's migration files (PostgreSQL's own
#              regression SQL left out) concatenated in order, again and again, up to 20 MB;
#   synthetic: `ALTER TABLE tN ADD COLUMN cN int;` up to 20 MB, a finding on every statement.
#
#   bench/lint_memory.sh [CORPUS_DIR]      default: ../shared/corpus (relative to the repository)
#   SIZE_MB=50 bench/lint_memory.sh        another file size
#   SQUAWK=/path/to/squawk bench/lint_memory.sh
#
# Targets (issue 10): real under 100 MB, synthetic under 200 MB, in every format.
set -euo pipefail
cd "$(dirname "$0")/.."

corpus="${1:-../shared/corpus}"
if [ ! -d "$corpus" ]; then
  echo "bench/lint_memory.sh: no corpus directory at $corpus" >&2
  exit 2
fi

cargo build --release --quiet
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

python3 - "${CARGO_TARGET_DIR:-$PWD/target}/release/driftlint" "$corpus" "$work" "${SIZE_MB:-20}" <<'PY'
import os, shutil, subprocess, sys, time

driftlint, corpus, work, size_mb = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
limit = size_mb * 1_000_000

def real_file(path):
    sources = []
    for root, dirs, names in os.walk(corpus):
        dirs.sort()
        if "pg-regress" in root.split(os.sep):
            continue
        sources += [os.path.join(root, n) for n in sorted(names) if n.endswith(".sql")]
    texts = [open(s, "rb").read() for s in sources]
    written = 0
    with open(path, "wb") as out:
        while written < limit:
            for text in texts:
                if written >= limit:
                    break
                chunk = text.rstrip() + b"\n;\n"
                out.write(chunk)
                written += len(chunk)

def synthetic_file(path):
    written, n = 0, 0
    with open(path, "w") as out:
        while written < limit:
            line = f"ALTER TABLE t{n} ADD COLUMN c{n} int;\n"
            out.write(line)
            written += len(line)
            n += 1

def peak(command):
    """Run once; return (peak RSS in MB, wall seconds, exit code)."""
    start = time.perf_counter()
    with open(os.devnull, "wb") as null:
        child = subprocess.Popen(command, stdout=null, stderr=null)
        _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - start
    return usage.ru_maxrss / 1024, wall, os.waitstatus_to_exitcode(status)

files = {"real": os.path.join(work, "real.sql"), "synthetic": os.path.join(work, "synthetic.sql")}
real_file(files["real"])
synthetic_file(files["synthetic"])
squawk = os.environ.get("SQUAWK") or shutil.which("squawk")
targets = {"real": 100, "synthetic": 200}
print(f"{'file':<10} {'tool':<22} {'peak MB':>8} {'wall s':>7}  target")
for name, path in files.items():
    mb = os.path.getsize(path) / 1e6
    for fmt in ("json", "human", "sarif", "github"):
        rss, wall, code = peak([driftlint, "lint", "--format", fmt, path])
        if code not in (0, 1):
            sys.exit(f"driftlint exited with {code} on {path}")
        verdict = "met" if rss < targets[name] else "MISSED"
        print(f"{name:<10} {'driftlint ' + fmt:<22} {rss:8.0f} {wall:7.2f}  < {targets[name]} MB: {verdict}"
              f"  ({mb:.1f} MB file)")
    if squawk:
        rss, wall, _ = peak([squawk, "--reporter", "json", path])
        print(f"{name:<10} {'squawk json':<22} {rss:8.0f} {wall:7.2f}")
if not squawk:
    print("squawk: not installed (pip install squawk-cli), not compared")
PY
