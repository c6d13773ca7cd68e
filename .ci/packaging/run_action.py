"""Run a composite action's steps the way the GitHub runner does, for a test on this machine.

usage: python run_action.py ACTION_YML [INPUT=VALUE]...

Each step's `if:`, `env:`, `working-directory:` and `run:` are evaluated with the inputs (defaults
from the action, overridden by the arguments), the outputs of earlier steps (read back from the
step's GITHUB_OUTPUT file), `runner.temp` and `github.action_path`; `run:` goes through
`bash --noprofile --norc -eo pipefail FILE` like the runner's `shell: bash`. Only the expressions
listed in EXPRESSIONS are understood: anything else stops the run, so the test cannot pass on
an expression it did not evaluate. A `uses:` step whose condition holds also stops the run (it
cannot run here). Prints `outputs: {...}` and exits with the failing step's exit code, else 0.
"""

import json
import os
import re
import subprocess
import sys
import tempfile

import yaml

EXPR = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")
EXPRESSIONS = re.compile(
    r"^(inputs\.[\w-]+|steps\.[\w-]+\.outputs\.[\w-]+|runner\.temp|github\.action_path)$"
)
CONDITION = re.compile(r"^(inputs\.[\w-]+)\s*(==|!=)\s*'([^']*)'$")


def value(expr, ctx):
    if not EXPRESSIONS.match(expr):
        sys.exit(f"run_action: expression not understood: {expr!r}")
    parts = expr.split(".")
    if parts[0] == "inputs":
        return ctx["inputs"][parts[1]]
    if parts[0] == "steps":
        return ctx["steps"].get(parts[1], {}).get(parts[3], "")
    return ctx[expr]


def render(text, ctx):
    return EXPR.sub(lambda m: value(m.group(1), ctx), str(text))


def condition(text, ctx):
    if text is None:
        return True
    expr = EXPR.sub(lambda m: m.group(1), str(text)).strip()
    m = CONDITION.match(expr)
    if not m:
        sys.exit(f"run_action: condition not understood: {text!r}")
    left = value(m.group(1), ctx)
    return (left == m.group(3)) == (m.group(2) == "==")


def read_outputs(path):
    outputs = {}
    with open(path, encoding="utf-8") as f:
        for line in f.read().splitlines():
            if "<<" in line.split("=", 1)[0]:
                sys.exit("run_action: multi-line outputs are not supported")
            if "=" in line:
                key, val = line.split("=", 1)
                outputs[key] = val
    return outputs


def main():
    action_path = os.path.abspath(sys.argv[1])
    with open(action_path, encoding="utf-8") as f:
        action = yaml.safe_load(f)
    if action["runs"]["using"] != "composite":
        sys.exit("run_action: not a composite action")
    inputs = {k: str(v.get("default", "")) for k, v in action.get("inputs", {}).items()}
    for arg in sys.argv[2:]:
        key, val = arg.split("=", 1)
        if key not in inputs:
            sys.exit(f"run_action: the action has no input {key!r}")
        inputs[key] = val
    temp = tempfile.mkdtemp(prefix="runner-temp.")  # under TMPDIR, which the caller removes
    ctx = {
        "inputs": inputs,
        "steps": {},
        "runner.temp": temp,
        "github.action_path": os.path.dirname(action_path),
    }
    code = 0
    for i, step in enumerate(action["runs"]["steps"]):
        name = step.get("name", step.get("id", f"step {i}"))
        if not condition(step.get("if"), ctx):
            print(f"run_action: skipped: {name}", file=sys.stderr)
            continue
        if "uses" in step:
            sys.exit(f"run_action: cannot run `uses: {step['uses']}` ({name}) here")
        if step.get("shell") != "bash":
            sys.exit(f"run_action: {name}: only shell: bash steps are run")
        output = os.path.join(temp, f"output.{i}")
        open(output, "w").close()
        script = os.path.join(temp, f"step.{i}.sh")
        with open(script, "w", encoding="utf-8") as f:
            f.write(render(step["run"], ctx))
        env = dict(os.environ)
        env.update({k: render(v, ctx) for k, v in step.get("env", {}).items()})
        env.update(GITHUB_OUTPUT=output, RUNNER_TEMP=temp, GITHUB_ACTION_PATH=ctx["github.action_path"])
        cwd = render(step.get("working-directory", "."), ctx)
        print(f"run_action: running: {name}", file=sys.stderr)
        sys.stdout.flush()
        code = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", script], env=env, cwd=cwd
        ).returncode
        if "id" in step:
            ctx["steps"][step["id"]] = read_outputs(output)
        if code != 0:
            break
    outputs = {k: render(v["value"], ctx) for k, v in action.get("outputs", {}).items()}
    print("outputs: " + json.dumps(outputs, sort_keys=True))
    sys.exit(code)


if __name__ == "__main__":
    main()
