"""SQLAlchemy models written as driftlint's declared schema (schema.yaml, version 1).

``python -m driftlint_sqlalchemy app.models:Base`` imports the module, takes the declarative
base's (or the ``MetaData``'s) tables and writes them in the format ``driftlint check`` reads,
with every type, default, constraint and index as SQLAlchemy's PostgreSQL dialect would create
it. ``driftlint check --models app.models:Base`` runs this for you.
"""

from .export import ExportError, export_metadata, resolve_metadata

__all__ = ["ExportError", "export_metadata", "resolve_metadata"]
__version__ = "0.1.0"
