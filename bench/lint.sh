#!/usr/bin/env bash
# Benchmark `driftlint lint --format json` over every .sql file of a corpus directory, and run
# squawk (pip install squawk-cli) on the same files side by side when it is installed.
#
#   bench/lint.sh [CORPUS_DIR]        default: ../shared/corpus (relative to the repository)
#   RUNS=9 bench/lint.sh              timed runs per tool (default 7), after one warm-up run
#   SQUAWK=/path/to/squawk bench/lint.sh   the squawk binary to compare with
#
# Runs of the two tools alternate, so a busy machine slows both alike. Wall time is the best
# run; CPU time (user + system, all threads) is shown too, as it depends less on other load.
set -euo pipefail
cd "$(dirname "$0")/.."

corpus="${1:-../shared/corpus}"
if [ ! -d "$corpus" ]; then
  echo "bench/lint.sh: no corpus directory at $corpus" >&2
  exit 2
fi

cargo build --release --quiet
list=$(mktemp)
trap 'rm -f "$list"' EXIT
find "$corpus" -type f -name '*.sql' -print0 | LC_ALL=C sort -z >"$list"

python3 - "${CARGO_TARGET_DIR:-$PWD/target}/release/driftlint" "$list" "${RUNS:-7}" <<'PY'
import json, os, resource, shutil, subprocess, sys, time

driftlint, list_path, runs = sys.argv[1], sys.argv[2], int(sys.argv[3])
files = [f for f in open(list_path, "rb").read().decode().split("\0") if f]
if not files:
    sys.exit("bench/lint.sh: no .sql files in the corpus")
size = sum(os.path.getsize(f) for f in files)
print(f"corpus: {len(files)} files, {size / 1e6:.2f} MB; {runs} timed runs each, {os.cpu_count()} cores")

def run(command, allowed=(0, 1)):
    """Run once; return (wall seconds, CPU seconds, stdout)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode not in allowed:
        sys.exit(f"{command[0]} exited with {done.returncode}:\n{done.stderr.decode()[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, done.stdout

tools = {"driftlint": [driftlint, "lint", "--format", "json", *files]}
squawk = os.environ.get("SQUAWK") or shutil.which("squawk")
if squawk and shutil.which("pyenv") and open(squawk, "rb").read(2) == b"#!":
    # A pyenv shim: time the real binary, not the shell script in front of it.
    real = subprocess.run(["pyenv", "which", "squawk"], capture_output=True, text=True)
    squawk = real.stdout.strip() or squawk
if squawk:
    # squawk takes the file paths as arguments; its human report says how many it checked.
    version = subprocess.run([squawk, "--version"], capture_output=True, text=True).stdout.split()[-1]
    report = subprocess.run([squawk, *files], capture_output=True, text=True).stdout
    checked = [line for line in report.splitlines() if "checked" in line]
    print(f"squawk {version}: {checked[-1].strip() if checked else 'did not say how many files it checked'}")
    tools["squawk"] = [squawk, "--reporter", "json", *files]
else:
    print("squawk is not installed (pip install squawk-cli): no side-by-side run")

results = {name: [] for name in tools}
for name, command in tools.items():
    _, _, out = run(command)  # warm-up: page cache, and a check of the output
    if name == "driftlint":
        summary = json.loads(out)["summary"]
        print(f"driftlint: {summary.get('files')} of {len(files)} files linted, "
              f"{summary.get('statements')} statements, {summary.get('findings')} findings")
for _ in range(runs):
    for name, command in tools.items():
        wall, cpu, _ = run(command)
        results[name].append((wall, cpu))

best, cpu_median = {}, {}
for name, samples in results.items():
    walls = sorted(w for w, _ in samples)
    cpus = sorted(c for _, c in samples)
    best[name] = walls[0]
    cpu_median[name] = cpus[len(cpus) // 2]
    print(f"{name:<10} wall best {walls[0]:6.3f} s  median {walls[len(walls) // 2]:6.3f} s   "
          f"cpu median {cpus[len(cpus) // 2]:6.3f} s   "
          f"{len(files) / walls[0]:7.0f} files/s  {size / walls[0] / 1e6:6.1f} MB/s")
if "squawk" in best:
    ratio = best["driftlint"] / best["squawk"]
    verdict = "met" if ratio <= 0.4 else "missed"
    print(f"ratio: driftlint takes {ratio:.2f}x squawk's wall time (target <= 0.40x: {verdict}); "
          f"CPU time {cpu_median['driftlint'] / cpu_median['squawk']:.2f}x")
PY
