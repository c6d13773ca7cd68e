"""The oracle test's checks; run by oracle.sh, which makes the virtualenv and the cluster.

For each model set (the runbooks' application in ``prospector``, every exporter feature in
``features``) on a fresh database:

1. ``metadata.create_all()``, then ``driftlint check --strict --models``: zero drift, and the
   same through an exported schema.yaml file and through an asyncpg URL;
2. a column, an index and a foreign key dropped by hand: ``check`` reports exactly those;
3. ``repair --format alembic --models`` into a real Alembic environment (the async template,
   ``postgresql+asyncpg://``): ``alembic upgrade head`` succeeds, and again after
   ``alembic_version`` is emptied (the hand-applied hotfix of the runbooks); ``check`` is clean.

A third model set written the SQLAlchemy 1.x way (``legacy``: declarative_base over a MetaData
with a schema, a zoo of types) must give zero drift too; with the ``features`` models, a
sequence made by hand and one whose increment changed are reported. Then the runbooks' own incident (``prospects.discovery_query_id`` missing with its index and
foreign key) repaired the same way, the command line's errors for a wrong attribute and a module
that fails to import, and the exporter's pytest suite. Prints ``N passed, M failed`` last.
"""

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import psycopg
import sqlalchemy as sa

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
SOCKET = os.environ["ORACLE_SOCKET"]
WORK = Path(os.environ["ORACLE_WORK"])
DRIFTLINT = os.environ["DRIFTLINT"]
PYTHON = sys.executable
BIN = Path(PYTHON).parent

sys.path.insert(0, str(HERE))
passed = failed = 0


def report(name, ok, detail=""):
    global passed, failed
    if ok:
        passed += 1
        print(f"ok     {name}", flush=True)
    else:
        failed += 1
        print(f"FAILED {name}", flush=True)
        for line in str(detail).strip().splitlines()[-40:]:
            print(f"       | {line}", flush=True)


def run(args, cwd=HERE, env=None):
    environment = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    environment.update(env or {})
    return subprocess.run(
        [str(a) for a in args], cwd=cwd, env=environment, capture_output=True, text=True
    )


def shown(done):
    return f"exit {done.returncode}\n{done.stdout}\n{done.stderr}"


def url(database, driver="postgresql"):
    return f"{driver}://postgres@/{database}?host={SOCKET}"


def admin(sql, database="postgres"):
    with psycopg.connect(f"host={SOCKET} dbname={database} user=postgres", autocommit=True) as c:
        c.execute(sql)


def fresh_database(name):
    admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin(f'CREATE DATABASE "{name}"')


def metadata_of(spec):
    module_name, attribute = spec.split(":")
    module = __import__(module_name, fromlist=[attribute])
    target = getattr(module, attribute)
    return getattr(target, "metadata", target)


def create_all(spec, database):
    metadata = metadata_of(spec)
    engine = sa.create_engine(url(database, "postgresql+psycopg"))
    with engine.begin() as connection:
        for schema in sorted({t.schema for t in metadata.tables.values() if t.schema}):
            connection.execute(sa.text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))
    metadata.create_all(engine)
    engine.dispose()


def check(spec, database, *extra, driver="postgresql"):
    return run(
        [DRIFTLINT, "check", "--strict", "--models", spec, "--python", PYTHON,
         "--database-url", url(database, driver), *extra]
    )


def drift_of(done):
    """(kind, schema, table, name) of each drift; an unnamed object by its definition."""
    doc = json.loads(done.stdout)
    return {(d["kind"], d["schema"], d["table"], d["object"] or d["expected"]) for d in doc["drift"]}


def alembic_environment(name, database):
    """A fresh `alembic init -t async` project pointed at the database with asyncpg."""
    project = WORK / f"alembic_{name}"
    shutil.rmtree(project, ignore_errors=True)
    done = run([BIN / "alembic", "init", "-t", "async", project], cwd=WORK)
    if done.returncode != 0:
        raise RuntimeError(shown(done))
    ini = project.parent / "alembic.ini"
    target = project / "alembic.ini"
    text = ini.read_text() if ini.exists() else (project / "alembic.ini").read_text()
    lines = []
    for line in text.splitlines():
        if line.startswith("sqlalchemy.url"):
            line = "sqlalchemy.url = " + url(database, "postgresql+asyncpg")
        elif line.startswith("script_location"):
            line = f"script_location = {project}"
        lines.append(line)
    target.write_text("\n".join(lines) + "\n")
    if ini.exists():
        ini.unlink()
    return project


def alembic(project, *args):
    return run([BIN / "alembic", "-c", project / "alembic.ini", *args], cwd=project)


def zero_drift(name, spec):
    """create_all, then check --strict --models: nothing to report."""
    database = f"oracle_{name}"
    fresh_database(database)
    create_all(spec, database)
    done = check(spec, database)
    report(f"{name}: create_all, then check --strict --models {spec}: zero drift",
           done.returncode == 0 and "No drift" in done.stdout, shown(done))
    return database


def scenario(name, spec, drops, expected):
    database = zero_drift(name, spec)

    exported = WORK / f"{name}.yaml"
    done = run([PYTHON, "-m", "driftlint_sqlalchemy", spec, "--output", exported])
    if done.returncode == 0:
        done = run([DRIFTLINT, "check", "--strict", "--schema", exported,
                    "--database-url", url(database)])
    report(f"{name}: the exported schema.yaml file gives the same zero drift",
           done.returncode == 0 and "No drift" in done.stdout, shown(done))

    done = check(spec, database, driver="postgresql+asyncpg")
    report(f"{name}: check with a postgresql+asyncpg:// URL: zero drift",
           done.returncode == 0 and "No drift" in done.stdout, shown(done))

    for statement in drops:
        admin(statement, database)
    done = check(spec, database, "--format", "json")
    found = drift_of(done) if done.stdout.strip().startswith("{") else set()
    report(f"{name}: dropped by hand, check reports exactly {sorted(k for k, *_ in expected)}",
           done.returncode == 1 and found == expected,
           f"expected {sorted(expected)}\nfound    {sorted(found)}\n{shown(done)}")

    project = alembic_environment(name, database)
    done = run([DRIFTLINT, "repair", "--format", "alembic", "--models", spec, "--python", PYTHON,
                "--database-url", url(database), "--out-dir", project / "versions"])
    revisions = list((project / "versions").glob("*.py"))
    report(f"{name}: repair --format alembic --models writes one revision",
           done.returncode == 1 and len(revisions) == 1, shown(done))

    done = alembic(project, "upgrade", "head")
    report(f"{name}: alembic upgrade head (asyncpg) applies the repair", done.returncode == 0,
           shown(done))
    done = check(spec, database)
    report(f"{name}: check --strict is clean after the repair",
           done.returncode == 0 and "No drift" in done.stdout, shown(done))

    admin("DELETE FROM alembic_version", database)
    done = alembic(project, "upgrade", "head")
    report(f"{name}: alembic_version reset, alembic upgrade head again succeeds",
           done.returncode == 0, shown(done))
    done = check(spec, database)
    report(f"{name}: check --strict is still clean after the second run",
           done.returncode == 0 and "No drift" in done.stdout, shown(done))


def sequences():
    """The exported `sequences:` makes check see a sequence made by hand and a changed option."""
    database = zero_drift("sequences", "features.models:Base")
    admin("CREATE SEQUENCE stray", database)
    admin("ALTER SEQUENCE countdown INCREMENT BY -2", database)
    done = check("features.models:Base", database, "--format", "json")
    found = drift_of(done) if done.stdout.strip().startswith("{") else set()
    kinds = {(kind, schema, table) for kind, schema, table, _ in found}
    expected = {
        ("extra_sequence", "public", "stray"),
        ("sequence_mismatch", "public", "countdown"),
    }
    report("sequences: a sequence made by hand and a changed increment are reported, nothing else",
           done.returncode == 1 and kinds == expected and len(found) == 2,
           f"expected {sorted(expected)}\nfound    {sorted(found)}\n{shown(done)}")


def errors():
    done = check("prospector.models:Nope", "postgres")
    report("a wrong attribute: exit 2, named",
           done.returncode == 2 and "has no attribute `Nope`" in done.stderr, shown(done))

    broken = WORK / "broken_models"
    broken.mkdir(exist_ok=True)
    (broken / "models.py").write_text(textwrap.dedent("""\
        import os
        from sqlalchemy.orm import DeclarativeBase

        class Base(DeclarativeBase):
            pass

        SECRET = os.environ["APP_SECRET_KEY"]
    """))
    done = run([DRIFTLINT, "check", "--models", "models:Base", "--python", PYTHON,
                "--database-url", url("postgres")], cwd=broken)
    report("a module that fails to import: exit 2 with Python's last lines",
           done.returncode == 2
           and "KeyError: 'APP_SECRET_KEY'" in done.stderr
           and "models.py\", line 7" in done.stderr,
           shown(done))


def alembic_history():
    """The runbooks' Alembic history (python/tests/alembic_history, async env.py reading
    DATABASE_URL): `verify --alembic` names the revision that fails when run again and the one
    whose downgrade forgets an index, and passes the guarded one."""
    project = WORK / "alembic_history"
    shutil.copytree(HERE / "alembic_history", project, dirs_exist_ok=True)
    done = run([DRIFTLINT, "verify", "--alembic", project / "alembic.ini", "--python", PYTHON,
                "--format", "json"], cwd=WORK)
    try:
        doc = json.loads(done.stdout)
        problems = {r["revision"]: r["problems"] for r in doc["revisions"]}
    except (ValueError, KeyError):
        problems = {}
    again = problems.get("add_discovery_query", [])
    report("verify --alembic: the unguarded add_column fails when run again, named with "
           "Alembic's error",
           done.returncode == 1 and any(p["step"] == "upgrade again"
                                        and "already exists" in p["message"] for p in again),
           shown(done))
    down = problems.get("7c1e5a90d3f2", [])
    report("verify --alembic: the downgrade that forgets ix_jobs_user_id is named",
           any(p["step"] == "downgrade" and "ix_jobs_user_id" in p["message"] for p in down),
           shown(done))
    report("verify --alembic: the guarded revision 556b79de2825 passes every step",
           problems.get("556b79de2825") == [], shown(done))


def alembic_lint():
    """`lint --alembic`: the unguarded add_column is flagged at its op.add_column line of its
    revision file; the revision that inspects the database is named as not rendered offline."""
    project = WORK / "alembic_history"
    shutil.copytree(HERE / "alembic_history", project, dirs_exist_ok=True)
    done = run([DRIFTLINT, "lint", "--alembic", project / "alembic.ini", "--python", PYTHON,
                "--format", "json"], cwd=project)
    try:
        findings = json.loads(done.stdout)["findings"]
    except (ValueError, KeyError):
        findings = []
    source = (project / "alembic/versions/add_discovery_query_table.py").read_text().splitlines()
    line = next(i for i, text in enumerate(source, 1) if "op.add_column(" in text)
    flagged = [f for f in findings if f["rule"] == "add-column-without-if-not-exists"]
    report("lint --alembic: the non-idempotent revision is flagged at its op.add_column line",
           done.returncode == 1
           and [(f["file"], f["line"]) for f in flagged]
           == [("alembic/versions/add_discovery_query_table.py", line)],
           shown(done))
    report("lint --alembic: the revision that inspects the database is named, left to verify",
           "556b79de2825" in done.stderr and "verify --alembic" in done.stderr, shown(done))


# Two revisions after the history's head that build an index CONCURRENTLY: one in the
# revision's transaction (which PostgreSQL rejects), one in an autocommit_block.
CONCURRENT_REVISIONS = {
    "a1_index_in_transaction.py": '''"""index jobs by creation time, in the revision's transaction"""
from alembic import op

revision = "a1_index_in_transaction"
down_revision = "7c1e5a90d3f2"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_jobs_created_at", "jobs", ["created_at"], if_not_exists=True,
                    postgresql_concurrently=True)


def downgrade() -> None:
    op.drop_index("ix_jobs_created_at", table_name="jobs", if_exists=True)
''',
    "a2_index_autocommit.py": '''"""index jobs by user and status, outside a transaction"""
from alembic import op

revision = "a2_index_autocommit"
down_revision = "a1_index_in_transaction"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.get_context().autocommit_block():
        op.create_index("ix_jobs_user_status", "jobs", ["user_id", "status"],
                        if_not_exists=True, postgresql_concurrently=True)


def downgrade() -> None:
    op.drop_index("ix_jobs_user_status", table_name="jobs", if_exists=True)
''',
}


def alembic_lint_transactions():
    """`lint --alembic` knows Alembic's transactions from the rendered revisions: CREATE INDEX
    CONCURRENTLY in a revision's own transaction is `concurrently-in-transaction`, at its
    op.create_index line; the same in `autocommit_block()` is not."""
    project = WORK / "alembic_concurrently"
    shutil.copytree(HERE / "alembic_history", project, dirs_exist_ok=True)
    versions = project / "alembic" / "versions"
    for name, source in CONCURRENT_REVISIONS.items():
        (versions / name).write_text(source)
    done = run([DRIFTLINT, "lint", "--alembic", project / "alembic.ini", "--python", PYTHON,
                "--format", "json"], cwd=project)
    try:
        findings = json.loads(done.stdout)["findings"]
    except (ValueError, KeyError):
        findings = []
    source = CONCURRENT_REVISIONS["a1_index_in_transaction.py"].splitlines()
    line = next(i for i, text in enumerate(source, 1) if "op.create_index(" in text)
    flagged = [(f["file"], f["line"]) for f in findings if f["rule"] == "concurrently-in-transaction"]
    report("lint --alembic: CONCURRENTLY in the revision's transaction is flagged, in "
           "autocommit_block it is not",
           flagged == [("alembic/versions/a1_index_in_transaction.py", line)],
           shown(done))


def exporter_tests():
    done = run([PYTHON, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                ROOT / "python" / "driftlint-sqlalchemy" / "tests"])
    last = done.stdout.strip().splitlines()[-1:] or [""]
    report(f"driftlint-sqlalchemy's pytest suite ({last[0]})", done.returncode == 0, shown(done))


def guarded(name, step, *args):
    """Runs one scenario; an exception (a statement that failed) is one failure, not the end."""
    try:
        step(*args)
    except Exception:  # noqa: BLE001 - reported with its traceback
        import traceback

        report(f"{name}: ran to the end", False, traceback.format_exc())


def main():
    guarded("pytest", exporter_tests)
    guarded(
        "prospector",
        scenario,
        "prospector",
        "prospector.models:Base",
        [
            "ALTER TABLE prospects DROP COLUMN page_title",
            "DROP INDEX ix_jobs_user_id",
            "ALTER TABLE discovery_queries DROP CONSTRAINT discovery_queries_job_id_fkey",
        ],
        {
            ("missing_column", "public", "prospects", "page_title"),
            ("missing_index", "public", "jobs", "ix_jobs_user_id"),
            ("missing_foreign_key", "public", "discovery_queries",
             "FOREIGN KEY (job_id) REFERENCES public.jobs(id) ON DELETE CASCADE"),
        },
    )
    guarded(
        "features",
        scenario,
        "features",
        "features.models:Base",
        [
            "ALTER TABLE customers DROP COLUMN last_ip",
            "DROP INDEX ix_customers_tags",
            "ALTER TABLE billing.invoices DROP CONSTRAINT fk_invoices_region_accounts",
            "DROP SEQUENCE order_no",
        ],
        {
            ("missing_column", "public", "customers", "last_ip"),
            ("missing_index", "public", "customers", "ix_customers_tags"),
            ("missing_foreign_key", "billing", "invoices", "fk_invoices_region_accounts"),
            ("missing_sequence", "public", "order_no",
             "SEQUENCE AS bigint START WITH 1000 INCREMENT BY 10 MINVALUE 1 "
             "MAXVALUE 9223372036854775807 CACHE 5 NO CYCLE"),
        },
    )
    # The runbooks' incident: the model declares discovery_query_id, the database lacks it (and
    # so its index and foreign key).
    guarded(
        "incident",
        scenario,
        "incident",
        "prospector.models:Base",
        ["ALTER TABLE prospects DROP COLUMN discovery_query_id"],
        {
            ("missing_column", "public", "prospects", "discovery_query_id"),
            ("missing_index", "public", "prospects", "ix_prospects_discovery_query_id"),
            ("missing_foreign_key", "public", "prospects",
             "FOREIGN KEY (discovery_query_id) REFERENCES public.discovery_queries(id) "
             "ON DELETE SET NULL"),
        },
    )
    guarded("legacy", zero_drift, "legacy", "legacy.models:Base")
    guarded("sequences", sequences)
    guarded("errors", errors)
    guarded("verify --alembic", alembic_history)
    guarded("lint --alembic", alembic_lint)
    guarded("lint --alembic transactions", alembic_lint_transactions)
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
