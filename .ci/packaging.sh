#!/usr/bin/env bash
# Packaging checks: what a user installs and what the release runs, checked on this machine.
#   - the wheel (`maturin build --release`, reusing target/) and the sdist: metadata, twine check;
#   - the wheel installed into a fresh virtualenv, run with no cargo/rustc on PATH: --version,
#     rules, and the README's main command with the drift the README shows;
#   - .github/workflows/*.yml, dependabot.yml and action.yml: check-jsonschema and zizmor --offline, plus what the
#     release must contain;
#   - the Action's shell steps, run the way the runner runs them, with the local wheel;
#   - the pre-commit hook files, and the prebuilt-wheel hooks run by pre-commit in a scratch project;
#   - the README as a landing page, and every relative link of README.md and docs/*.md.
# Tools come from PyPI into a virtualenv under a temporary directory, removed at the end
# (KEEP_PACKAGING_TMP=1 keeps it). The last line is "N passed, M failed"; exit 1 if M > 0.
set -uo pipefail
cd "$(dirname "$0")/.."
root=$PWD
started=$SECONDS

work=$(mktemp -d "${TMPDIR:-/tmp}/driftlint-packaging.XXXXXX")
chmod 755 "$work"
if [ "${KEEP_PACKAGING_TMP:-}" = 1 ]; then
  echo "packaging: keeping $work"
else
  trap 'rm -rf "$work"' EXIT
fi
mkdir -p "$work/tmp" "$work/dist" "$work/links"
export TMPDIR=$work/tmp PIP_DISABLE_PIP_VERSION_CHECK=1

passed=0 failed=0
pass() { passed=$((passed + 1)); echo "ok     $1"; }
fail() {
  failed=$((failed + 1)); echo "FAILED $1"
  [ -s "$work/out" ] && tail -n 30 "$work/out" | sed 's/^/       | /'
  return 0
}
# check DESCRIPTION COMMAND...: passes when COMMAND exits 0 (its output goes to $work/out).
check() { local what=$1; shift; if "$@" >"$work/out" 2>&1; then pass "$what"; else fail "$what"; fi; }
# expect CODE DESCRIPTION COMMAND...: passes when COMMAND exits with CODE.
expect() {
  local code=$1 what=$2; shift 2
  "$@" >"$work/out" 2>&1
  local got=$?
  if [ "$got" = "$code" ]; then pass "$what"; else echo "exit code $got, expected $code" >>"$work/out"; fail "$what"; fi
}
# has FILE TEXT: the file contains the fixed string.
has() { grep -qF -- "$2" "$1"; }

# Tools ------------------------------------------------------------------------------------------
tools=$work/tools
if ! python3 -m venv "$tools" >"$work/out" 2>&1 ||
   ! "$tools/bin/pip" install --quiet maturin twine check-jsonschema zizmor pre-commit pyyaml tomli >>"$work/out" 2>&1; then
  fail "install the tools (maturin, twine, check-jsonschema, zizmor, pre-commit) from PyPI"
  echo "$passed passed, $failed failed"
  exit 1
fi
py=$tools/bin/python
version=$(cargo metadata --no-deps --format-version 1 --offline 2>/dev/null |
  "$py" -c 'import json, sys; print(next(p["version"] for p in json.load(sys.stdin)["packages"] if p["name"] == "driftlint"))')
echo "packaging: driftlint $version, tools ready after $((SECONDS - started)) s"

section() { echo "packaging: $1 (at $((SECONDS - started)) s)"; }
section "the wheel and the sdist"
# The wheel and the sdist ------------------------------------------------------------------------
t=$SECONDS
# maturin builds into the project's target/ (cargo's own target dir, or CARGO_TARGET_DIR), so an
# earlier release build is reused.
check "maturin build --release" nice -n 10 "$tools/bin/maturin" build --release --locked --out "$work/dist"
echo "packaging: wheel built in $((SECONDS - t)) s"
check "maturin sdist" "$tools/bin/maturin" sdist --out "$work/dist"
wheel=$(ls "$work"/dist/driftlint-*.whl 2>/dev/null | head -n 1)
sdist=$(ls "$work"/dist/driftlint-*.tar.gz 2>/dev/null | head -n 1)
if [ -z "$wheel" ] || [ -z "$sdist" ]; then
  fail "a wheel and an sdist in dist/"
  echo "$passed passed, $failed failed"
  exit 1
fi
echo "packaging: $(basename "$wheel"), $(basename "$sdist")"

check "wheel and sdist metadata: name, version $version (Cargo.toml's), license, readme, URLs" \
  "$py" - "$wheel" "$sdist" "$version" <<'PY'
import email.parser, sys, tarfile, zipfile
wheel, sdist, version = sys.argv[1:]
def check(meta, where):
    for key, value in {"Name": "driftlint", "Version": version}.items():
        assert meta[key] == value, f"{where}: {key} is {meta[key]!r}, not {value!r}"
    assert meta["Description-Content-Type"].startswith("text/markdown"), f"{where}: the README is not Markdown"
    assert "MIT OR Apache-2.0" in (meta["License-Expression"] or meta["License"] or ""), f"{where}: license"
    urls = meta.get_all("Project-URL") or []
    assert any(u.startswith("Repository, ") for u in urls), f"{where}: no Repository URL in {urls}"
    assert any(c.startswith("Programming Language :: Rust") for c in meta.get_all("Classifier") or []), where
    assert "driftlint check --migrations fixtures/migrations" in meta.get_payload(), f"{where}: README is not the description"
with zipfile.ZipFile(wheel) as z:
    names = z.namelist()
    check(email.parser.Parser().parsestr(z.read(f"driftlint-{version}.dist-info/METADATA").decode()), "wheel")
    scripts = [n for n in names if n.startswith(f"driftlint-{version}.data/scripts/")]
    assert [n.rsplit("/", 1)[1] for n in scripts] in (["driftlint"], ["driftlint.exe"]), scripts
with tarfile.open(sdist) as t:
    names = t.getnames()
    top = f"driftlint-{version}"
    check(email.parser.Parser().parsestr(t.extractfile(f"{top}/PKG-INFO").read().decode()), "sdist")
    for need in ("pyproject.toml", "Cargo.toml", "Cargo.lock", "src/main.rs", "README.md"):
        assert f"{top}/{need}" in names, f"sdist has no {need}"
    pages = [n for n in names if n.startswith(f"{top}/rules/") and n.endswith(".md")]
    assert len(pages) >= 30, f"sdist has {len(pages)} rule pages (explain embeds them)"
PY
check "twine check --strict (the README renders as the long description)" \
  "$tools/bin/twine" check --strict "$wheel" "$sdist"

section "the installed wheel"
# The installed wheel, no Rust toolchain on PATH --------------------------------------------------
user=$work/user
check "pip install the wheel into a fresh virtualenv" \
  sh -c 'python3 -m venv "$1" && "$1/bin/pip" install --quiet --no-index "$2"' sh "$user" "$wheel"
clean_path=$user/bin
IFS=: read -ra dirs <<<"$PATH"
for d in "${dirs[@]}"; do
  [ -n "$d" ] && [ ! -e "$d/cargo" ] && [ ! -e "$d/rustc" ] && clean_path=$clean_path:$d
done
# bare: run a command with only the venv and non-Rust directories on PATH, no cargo variables.
bare() { env -i HOME="$HOME" LANG=C.UTF-8 PATH="$clean_path" "$@"; }
check "no cargo or rustc on the stripped PATH" \
  bare sh -c '! command -v cargo && ! command -v rustc && [ "$(command -v driftlint)" = "$1" ]' sh "$user/bin/driftlint"
bare driftlint --version >"$work/out" 2>&1
if [ "$(cat "$work/out")" = "driftlint $version" ]; then pass "installed driftlint --version prints driftlint $version"; else fail "installed driftlint --version"; fi
bare driftlint rules >"$work/rules.out" 2>&1
missing=$(for page in rules/*.md; do name=$(basename "$page" .md); grep -qw -- "$name" "$work/rules.out" || echo "$name"; done)
if [ -z "$missing" ] && [ -s "$work/rules.out" ]; then pass "installed driftlint rules lists all $(ls rules/*.md | wc -l) rules"; else echo "missing: $missing" >"$work/out"; fail "installed driftlint rules"; fi
# The README's main command, from the clone's root: exit 1 and the drift the README shows.
bare driftlint check --migrations fixtures/migrations >"$work/check.out" 2>&1
code=$?
"$py" - README.md "$work/check.out" >"$work/out" 2>&1 <<'PY'
import sys
readme, got = open(sys.argv[1]).read(), open(sys.argv[2]).read()
command = "cargo run --release -- check --migrations fixtures/migrations"
after = readme[readme.index(command):]
block = after[after.index("```text\n") + len("```text\n"):]
block = block[: block.index("```")]
want = [l.rstrip() for l in block.strip("\n").split("\n")]
have = [l.rstrip() for l in got.strip("\n").split("\n")]
if want != have:
    import difflib
    print("\n".join(difflib.unified_diff(want, have, "README", "driftlint", lineterm="")))
    sys.exit(1)
PY
same=$?
cp "$work/check.out" "$work/check.shown"
if [ "$code" = 1 ] && [ "$same" = 0 ]; then
  pass "installed driftlint check --migrations fixtures/migrations: exit 1, the README's output"
else
  echo "exit code $code" >>"$work/out"; fail "installed driftlint check --migrations fixtures/migrations"
fi

section "workflows and action.yml"
# Workflows and the Action: schemas, audit, content --------------------------------------------------
check "check-jsonschema vendor.github-workflows: .github/workflows/*.yml" \
  "$tools/bin/check-jsonschema" --builtin-schema vendor.github-workflows .github/workflows/*.yml
check "check-jsonschema vendor.github-actions: action.yml" \
  "$tools/bin/check-jsonschema" --builtin-schema vendor.github-actions action.yml
check "check-jsonschema vendor.dependabot: .github/dependabot.yml" \
  "$tools/bin/check-jsonschema" --builtin-schema vendor.dependabot .github/dependabot.yml
check "zizmor --offline: workflows, dependabot.yml and action.yml (pinned actions, credentials, permissions)" \
  "$tools/bin/zizmor" --offline --no-progress .github/ action.yml
check "workflows: every action pinned by commit SHA, top-level permissions: {}, what the release builds" \
  "$py" - <<'PY'
import re, yaml
def load(p):
    with open(p) as f:
        return yaml.safe_load(f)
def uses(doc):
    if isinstance(doc, dict):
        for k, v in doc.items():
            if k == "uses":
                yield v
            yield from uses(v)
    elif isinstance(doc, list):
        for v in doc:
            yield from uses(v)
files = {p: load(p) for p in (".github/workflows/release.yml", ".github/workflows/ci.yml", "action.yml")}
for path, doc in files.items():
    for u in uses(doc):
        assert re.fullmatch(r"[\w.-]+/[\w.-]+(/[\w./-]+)?@[0-9a-f]{40}", u), f"{path}: {u} is not pinned to a commit"
    if path != "action.yml":
        assert doc["permissions"] == {}, f"{path}: top-level permissions are not empty"
release = files[".github/workflows/release.yml"]
jobs = release["jobs"]
targets = {(p["target"], p["manylinux"]) for p in jobs["wheels"]["strategy"]["matrix"]["platform"]}
for need in [("x86_64-unknown-linux-gnu", "2_17"), ("aarch64-unknown-linux-gnu", "2_17"),
             ("x86_64-unknown-linux-musl", "musllinux_1_2"), ("aarch64-unknown-linux-musl", "musllinux_1_2"),
             ("x86_64-apple-darwin", "off"), ("aarch64-apple-darwin", "off"), ("x86_64-pc-windows-msvc", "off")]:
    assert need in targets, f"release.yml builds no wheel for {need}"
assert any("sdist" == s.get("with", {}).get("command") for s in jobs["sdist"]["steps"]), "no sdist"
assert any(s.get("if") == "matrix.platform.native" and '"$bin" --version' in s.get("run", "")
           for s in jobs["wheels"]["steps"]), "the built binaries are not run"
pypi = jobs["pypi"]
assert pypi["permissions"] == {"id-token": "write"}, "trusted publishing needs id-token: write, and only that"
assert any(s.get("uses", "").startswith("pypa/gh-action-pypi-publish@") for s in pypi["steps"])
assert not any("password" in s.get("with", {}) for s in pypi["steps"]), "a token instead of trusted publishing"
assert jobs["github-release"]["permissions"] == {"contents": "write"}
assert any("gh release create" in s.get("run", "") for s in jobs["github-release"]["steps"])
ci = files[".github/workflows/ci.yml"]
assert any(s.get("run", "").strip() == "bash .ci/run" for s in ci["jobs"]["ci"]["steps"]), "ci.yml does not run .ci/run"
PY

# The release's step that takes the standalone binary out of a wheel, run on the local wheel.
release_step=$work/release-step
mkdir -p "$release_step/dist" && cp "$wheel" "$release_step/dist/"
"$py" -c 'import sys, yaml
steps = yaml.safe_load(open(".github/workflows/release.yml"))["jobs"]["wheels"]["steps"]
(step,) = [s for s in steps if s.get("name") == "Take the standalone binary out of the wheel"]
sys.stdout.write(step["run"])' >"$release_step/step.sh"
if (cd "$release_step" && ARCHIVE=driftlint-local bash --noprofile --norc -eo pipefail step.sh) >"$work/out" 2>&1 &&
   tar -xzf "$release_step/binaries/driftlint-local.tar.gz" -C "$release_step" >>"$work/out" 2>&1 &&
   [ "$("$release_step/driftlint" --version)" = "driftlint $version" ]; then
  pass "release.yml: the standalone binary taken out of the wheel runs (driftlint-<target>.tar.gz)"
else fail "release.yml: the standalone binary taken out of the wheel"; fi

section "the Action's steps"
# The Action's steps, run like the runner runs them, with the local wheel ------------------------------
action() { "$py" .ci/packaging/run_action.py action.yml wheel="$wheel" "$@"; }
annotations() { grep -c "^::error $1" "$work/out"; }
expect 1 "action: lint a file with findings exits 1" action command=lint args="fixtures/lint/add-column-without-if-not-exists.sql"
if has "$work/out" "::error file=fixtures/lint/add-column-without-if-not-exists.sql,line=4,col=23," &&
   has "$work/out" 'outputs: {"exit-code": "1"}'; then
  pass "action: lint findings are ::error annotations; output exit-code 1"
else fail "action: lint findings are ::error annotations"; fi
printf 'CREATE TABLE IF NOT EXISTS t (id bigint PRIMARY KEY);\n' >"$work/clean migration.sql"
expect 0 "action: lint a clean file (a quoted path with a space) exits 0" action command=lint args="'$work/clean migration.sql'"
if ! grep -q '^::error' "$work/out"; then pass "action: no annotation for a clean file"; else fail "action: no annotation for a clean file"; fi
expect 1 "action: check --migrations fixtures/migrations exits 1" action command=check args="--migrations fixtures/migrations"
if has "$work/out" "::error file=schema.yaml,line=20,title=driftlint missing_column::column public.prospects.discovery_query_id" &&
   [ "$(annotations 'file=schema.yaml')" = 3 ]; then
  pass "action: drift is 3 ::error annotations on schema.yaml"
else fail "action: drift is 3 ::error annotations on schema.yaml"; fi
expect 1 "action: verify fixtures/verify/not_idempotent exits 1" action command=verify args="fixtures/verify/not_idempotent"
if grep -q '^::error file=fixtures/verify/not_idempotent/' "$work/out"; then pass "action: a migration that fails its second run is an ::error annotation"; else fail "action: verify annotation"; fi
expect 2 "action: an unknown command exits 2" action command=repair
if has "$work/out" "::error title=driftlint::command must be lint, check or verify"; then pass "action: the unknown command is an annotation"; else fail "action: the unknown command is an annotation"; fi

section "pre-commit"
# pre-commit ------------------------------------------------------------------------------------------
check "pre-commit validate-manifest: .pre-commit-hooks.yaml and pre-commit-mirror/.pre-commit-hooks.yaml" \
  "$tools/bin/pre-commit" validate-manifest .pre-commit-hooks.yaml pre-commit-mirror/.pre-commit-hooks.yaml
check "hooks: ids, entries, languages, files; the mirror pins driftlint==$version; the docs name v$version" \
  "$py" - "$version" <<'PY'
import re, sys, yaml
try:
    import tomllib
except ImportError:
    import tomli as tomllib
version = sys.argv[1]
for path, language in ((".pre-commit-hooks.yaml", "rust"), ("pre-commit-mirror/.pre-commit-hooks.yaml", "python")):
    with open(path) as f:
        hooks = {h["id"]: h for h in yaml.safe_load(f)}
    assert set(hooks) == {"driftlint-lint", "driftlint-verify"}, f"{path}: {sorted(hooks)}"
    lint, verify = hooks["driftlint-lint"], hooks["driftlint-verify"]
    assert lint["entry"] == "driftlint lint" and verify["entry"] == "driftlint verify", path
    assert lint["language"] == language and verify["language"] == language, path
    assert re.search(lint["files"], "migrations/011_x.sql") and not re.search(lint["files"], "app/models.py"), path
    assert verify.get("pass_filenames") is False, f"{path}: verify takes the directory, not file names"
with open("pre-commit-mirror/pyproject.toml", "rb") as f:
    project = tomllib.load(f)["project"]
assert project["version"] == version, f"mirror version {project['version']} != {version}"
assert project["dependencies"] == [f"driftlint=={version}"], project["dependencies"]
for doc in ("README.md", "docs/ci.md", "pre-commit-mirror/README.md"):
    text = open(doc).read()
    assert f"rev: v{version}" in text, f"{doc}: the pre-commit snippet does not name v{version}"
for doc in ("README.md", "docs/ci.md"):
    uses = re.findall(r"uses: driftlint/driftlint@(\S+)", open(doc).read())
    assert uses and all(u == f"v{version}" for u in uses), f"{doc}: the Action is used at {uses}"
PY
# The mirror as the hook repository it becomes: a git repository of its own, used by a scratch
# project; pip finds the driftlint wheel (and setuptools, to build the hook's package) locally only.
hookrepo=$work/hook-repo project=$work/project wheels=$work/wheelhouse
mkdir -p "$wheels" && cp "$wheel" "$wheels/"
git_() { git -c user.name=packaging -c user.email=packaging@localhost -c init.defaultBranch=main -c commit.gpgsign=false "$@"; }
if cp -r pre-commit-mirror "$hookrepo" &&
   git_ -C "$hookrepo" init -q && git_ -C "$hookrepo" add -A && git_ -C "$hookrepo" commit -qm hooks &&
   "$tools/bin/pip" download --quiet --only-binary :all: --dest "$wheels" "setuptools>=61" >"$work/out" 2>&1; then
  rev=$(git -C "$hookrepo" rev-parse HEAD)
  mkdir -p "$project/migrations"
  cp fixtures/verify/idempotent/*.sql "$project/migrations/"
  cat >"$project/.pre-commit-config.yaml" <<EOF
repos:
  - repo: $hookrepo
    rev: $rev
    hooks:
      - id: driftlint-lint
      - id: driftlint-verify
        args: [migrations/]
        files: ^migrations/
EOF
  git_ -C "$project" init -q && git_ -C "$project" add -A && git_ -C "$project" commit -qm project
  precommit() { (cd "$project" && PRE_COMMIT_HOME=$work/pre-commit-home PIP_NO_INDEX=1 PIP_FIND_LINKS=$wheels "$tools/bin/pre-commit" run --all-files --color never); }
  expect 0 "pre-commit (prebuilt-wheel hooks): lint and verify pass on re-runnable migrations" precommit
  if has "$work/out" "driftlint lint" && has "$work/out" "driftlint verify" && ! has "$work/out" "Skipped"; then
    pass "pre-commit: both hooks ran"
  else fail "pre-commit: both hooks ran"; fi
  printf 'ALTER TABLE deals ADD COLUMN note text;\n' >"$project/migrations/008_note.sql"
  git_ -C "$project" add -A
  expect 1 "pre-commit: a non-idempotent migration fails the hooks" precommit
  if has "$work/out" "add-column-without-if-not-exists"; then pass "pre-commit: the lint hook names the rule"; else fail "pre-commit: the lint hook names the rule"; fi
else
  fail "set up the hook repository and the local wheelhouse for pre-commit"
fi

section "README and docs"
# The README and docs --------------------------------------------------------------------------------
lines=$(wc -l <README.md)
if [ "$lines" -lt 300 ]; then pass "README.md is a landing page ($lines lines)"; else echo "$lines lines" >"$work/out"; fail "README.md under 300 lines"; fi
check "README keeps its two commands: cargo run --release -- check --migrations fixtures/migrations, cargo test" \
  "$py" - <<'PY'
import re
text = open("README.md").read()
blocks = re.findall(r"```sh\n(.*?)```", text, re.S)
lines = [l.strip() for b in blocks for l in b.splitlines()]
assert "cargo run --release -- check --migrations fixtures/migrations" in lines, "the main command"
assert "cargo test" in lines, "the test command"
PY
check "every relative link and #anchor in README.md, docs/*.md, pre-commit-mirror/README.md resolves" \
  "$py" .ci/packaging/links.py README.md docs/*.md pre-commit-mirror/README.md
printf '[a](missing.md) [b](#nowhere)\n\n# Here\n' >"$work/links/bad.md"
expect 1 "the link check finds a missing file and a missing anchor" "$py" .ci/packaging/links.py "$work/links/bad.md"
check "every docs/ page is linked from README.md or docs/README.md" \
  sh -c 'for f in docs/*.md; do n=$(basename "$f"); [ "$n" = README.md ] && continue; grep -qF "($n" docs/README.md || grep -qF "(docs/$n" README.md || { echo "$f is linked from nowhere"; exit 1; }; done'

echo "packaging: $((SECONDS - started)) s in all"
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
