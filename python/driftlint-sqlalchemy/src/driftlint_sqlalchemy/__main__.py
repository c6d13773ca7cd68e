"""``python -m driftlint_sqlalchemy module:Base [--output schema.yaml]``.

Exit status: 0 written; 2 the module cannot be imported, the attribute is not a declarative
base or a MetaData, the models cannot be written (the reason on stderr, last).
"""

from __future__ import annotations

import argparse
import os
import sys

from . import __version__
from .export import ExportError, export_metadata, resolve_metadata


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m driftlint_sqlalchemy",
        description="Write SQLAlchemy models as driftlint's schema.yaml (version 1).",
    )
    parser.add_argument(
        "models",
        metavar="MODULE:ATTRIBUTE",
        help="a declarative base or a MetaData, e.g. app.models:Base",
    )
    parser.add_argument(
        "--output", "-o", metavar="FILE", help="write here instead of standard output"
    )
    parser.add_argument(
        "--schema",
        default="public",
        metavar="NAME",
        help="the schema of tables without one (default: public)",
    )
    parser.add_argument("--version", action="version", version=f"driftlint-sqlalchemy {__version__}")
    args = parser.parse_args(argv)

    # `python -m` puts the current directory first on sys.path; the console script does not.
    if os.getcwd() not in sys.path and "" not in sys.path:
        sys.path.insert(0, os.getcwd())
    try:
        metadata = resolve_metadata(args.models)
        text = export_metadata(metadata, source=args.models, default_schema=args.schema)
    except ExportError as error:
        if error.details:
            sys.stderr.write(error.details.rstrip() + "\n")
        sys.stderr.write(f"driftlint-sqlalchemy: error: {error.message}\n")
        if error.hint:
            sys.stderr.write(f"hint: {error.hint}\n")
        return 2
    if args.output and args.output != "-":
        try:
            with open(args.output, "w", encoding="utf-8") as file:
                file.write(text)
        except OSError as error:
            sys.stderr.write(f"driftlint-sqlalchemy: error: cannot write {args.output}: {error}\n")
            return 2
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
