# driftlint's Alembic driver, run with the project's Python (`python -c`, this text):
#   revisions INI                  -> one JSON document: the revisions, base first, and the
#                                     scheme of the project's URL (never the URL: it may hold a
#                                     password)
#   upgrade|downgrade|stamp INI URL TARGET
#                                  -> runs that Alembic command against URL, given to env.py both
#                                     ways such files read it: the `sqlalchemy.url` option and
#                                     the DATABASE_URL environment variable
#   render INI                     -> one JSON document: each revision's upgrade as
#                                     `alembic upgrade PARENT:REVISION --sql` renders it, without
#                                     Alembic's own alembic_version statements, or why it cannot be
#                                     rendered offline
# A JSON document is printed on one line after a marker, whatever env.py prints itself.
# Errors: Alembic's own, printed by Python; exit status 1.
import io
import json
import os
import sys


def main():
    action, ini = sys.argv[1], sys.argv[2]
    from alembic import command
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config(ini)
    script = ScriptDirectory.from_config(config)

    def down(revision):
        value = revision.down_revision
        if value is None:
            return []
        return [value] if isinstance(value, str) else list(value)

    def history():
        revisions = list(script.walk_revisions("base", "heads"))
        revisions.reverse()
        return revisions

    if action == "render":
        # Offline rendering connects to nothing, but an env.py that reads its URL from the
        # environment may insist on one: the project's own, else a placeholder.
        ini_url = config.get_main_option("sqlalchemy.url") or ""
        os.environ.setdefault(
            "DATABASE_URL",
            ini_url if ini_url.startswith("postgres") else "postgresql://driftlint@localhost/offline",
        )
        rendered = []
        for revision in history():
            parents = down(revision)
            span = f"{parents[0]}:{revision.revision}" if parents else revision.revision
            buffer = io.StringIO()
            try:
                command.upgrade(Config(ini, output_buffer=buffer), span, sql=True)
            except BaseException as error:  # env.py or the revision may raise anything
                if isinstance(error, KeyboardInterrupt):
                    raise
                message = " ".join(f"{type(error).__name__}: {error}".split())
                rendered.append({"id": revision.revision, "path": revision.path, "error": message})
                continue
            rendered.append(
                {"id": revision.revision, "path": revision.path, "sql": without_version(buffer.getvalue())}
            )
        emit({"revisions": rendered})
        return 0
    if action == "revisions":
        revisions = history()
        url = os.environ.get("DATABASE_URL") or config.get_main_option("sqlalchemy.url") or ""
        scheme = url.split("://", 1)[0] if "://" in url else ""

        emit({
            "scheme": scheme,
            "revisions": [
                {"id": r.revision, "down": down(r), "path": r.path, "doc": r.doc or ""}
                for r in revisions
            ],
        })
        return 0
    url, target = sys.argv[3], sys.argv[4]
    if "," in target:
        # A merge revision: its parents are heads together.
        target = target.split(",") if action == "stamp" else "-1"
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    os.environ["DATABASE_URL"] = url
    if action == "upgrade":
        command.upgrade(config, target)
    elif action == "downgrade":
        command.downgrade(config, target)
    elif action == "stamp":
        command.stamp(config, target, purge=True)
    else:
        raise SystemExit(f"unknown action {action}")
    return 0


MARKER = "driftlint-alembic-driver:"


def emit(document):
    sys.stdout.write("\n" + MARKER + json.dumps(document) + "\n")


VERSION_STATEMENTS = (
    "CREATE TABLE alembic_version",
    "INSERT INTO alembic_version",
    "UPDATE alembic_version",
    "DELETE FROM alembic_version",
)


def without_version(sql):
    """The rendered SQL without the statements Alembic adds to keep alembic_version (each is a
    block of its own, between blank lines), so that only the revision's own SQL is linted; the
    lines stay where they were."""
    blocks = sql.split("\n\n")
    kept = [
        "\n" * block.count("\n") if block.strip().startswith(VERSION_STATEMENTS) else block
        for block in blocks
    ]
    return "\n\n".join(kept)


sys.exit(main())
