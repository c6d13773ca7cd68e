# driftlint's Alembic driver, run with the project's Python (`python -c`, this text):
#   revisions INI                  -> one JSON document: the revisions, base first, and the
#                                     scheme of the project's URL (never the URL: it may hold a
#                                     password)
#   upgrade|downgrade|stamp INI URL TARGET
#                                  -> runs that Alembic command against URL, given to env.py both
#                                     ways such files read it: the `sqlalchemy.url` option and
#                                     the DATABASE_URL environment variable
# Errors: Alembic's own, printed by Python; exit status 1.
import json
import os
import sys


def main():
    action, ini = sys.argv[1], sys.argv[2]
    from alembic import command
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config(ini)
    if action == "revisions":
        script = ScriptDirectory.from_config(config)
        revisions = list(script.walk_revisions("base", "heads"))
        revisions.reverse()
        url = os.environ.get("DATABASE_URL") or config.get_main_option("sqlalchemy.url") or ""
        scheme = url.split("://", 1)[0] if "://" in url else ""

        def down(revision):
            value = revision.down_revision
            if value is None:
                return []
            return [value] if isinstance(value, str) else list(value)

        print(json.dumps({
            "scheme": scheme,
            "revisions": [
                {"id": r.revision, "down": down(r), "path": r.path, "doc": r.doc or ""}
                for r in revisions
            ],
        }))
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


sys.exit(main())
