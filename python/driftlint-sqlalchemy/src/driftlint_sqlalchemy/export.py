"""A ``MetaData`` written as driftlint's ``schema.yaml`` (version 1).

Every value is what SQLAlchemy's PostgreSQL dialect would put in the DDL of ``create_all()``:
the column type as the dialect compiles it, ``SERIAL`` where the dialect would choose it, the
server default's SQL text, constraint and index names after the naming convention (and
PostgreSQL's 63-byte truncation), check expressions and index predicates with their literals
inlined, and the sequences it creates with every option as PostgreSQL fills it in. What the
database never sees (a Python-side ``default=``, ``onupdate=``) is left out with a YAML comment
saying so, and so is what schema.yaml cannot express yet (storage parameters).

This module only reads the metadata and writes text; importing the user's module is
:func:`resolve_metadata`'s job, and the command line is in ``__main__``.
"""

from __future__ import annotations

import importlib
import re
import traceback
from dataclasses import dataclass, field
from typing import Iterable, List, Optional, Sequence as Seq, Tuple

import sqlalchemy
from sqlalchemy import schema as sa_schema
from sqlalchemy import types as sqltypes
from sqlalchemy.dialects import postgresql
from sqlalchemy.sql import elements, operators

from .yaml import flow_list, flow_map, key as yaml_key, scalar


class ExportError(Exception):
    """A problem with the user's module or models: a message and a hint, shown on stderr."""

    def __init__(self, message: str, hint: Optional[str] = None, details: str = ""):
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.details = details


# --------------------------------------------------------------------------------------------
# Finding the metadata


def resolve_metadata(spec: str) -> sqlalchemy.MetaData:
    """The ``MetaData`` that ``module:attribute`` names: a ``MetaData``, or a declarative base
    (anything with a ``metadata`` attribute that is one). The attribute may be dotted
    (``app.db:Base.metadata``)."""
    module_name, sep, attribute = spec.partition(":")
    if not sep or not module_name.strip() or not attribute.strip():
        raise ExportError(
            f"`{spec}` is not of the form module:attribute",
            "name the module and its declarative base or MetaData, e.g. app.models:Base",
        )
    module_name = module_name.strip()
    try:
        module = importlib.import_module(module_name)
    except BaseException as error:  # the user's module may raise anything, even SystemExit
        if isinstance(error, KeyboardInterrupt):
            raise
        raise ExportError(
            f"importing `{module_name}` failed: {type(error).__name__}: {error}",
            _import_hint(module_name, error),
            _user_traceback(error),
        ) from None
    target = module
    walked = module_name
    for part in attribute.strip().split("."):
        if not hasattr(target, part):
            raise ExportError(
                f"`{walked}` has no attribute `{part}`",
                _candidates_hint(module),
            )
        target = getattr(target, part)
        walked += ("." if walked != module_name else ":") + part
    if isinstance(target, sqlalchemy.MetaData):
        metadata = target
    elif isinstance(getattr(target, "metadata", None), sqlalchemy.MetaData):
        metadata = target.metadata
    else:
        raise ExportError(
            f"`{spec}` is a {type(target).__name__}, not a declarative base or a MetaData",
            _candidates_hint(module),
        )
    if not metadata.tables:
        raise ExportError(
            f"`{spec}` has no tables",
            "the module must import every module that defines models (an `app/models/__init__.py` "
            "that imports them all), or name the module that does",
        )
    return metadata


def _import_hint(module_name: str, error: BaseException) -> str:
    missing = getattr(error, "name", None) if isinstance(error, ModuleNotFoundError) else None
    if missing and (module_name == missing or module_name.startswith(missing + ".")):
        return (
            f"run from the directory where `python -c 'import {module_name}'` works "
            "(or set PYTHONPATH)"
        )
    if missing:
        return (
            f"`{missing}` is not installed for this Python: use the project's own environment "
            "(driftlint's --python .venv/bin/python)"
        )
    return (
        "the models are imported as the application imports them: settings they read "
        "(environment variables, .env files) must be there"
    )


def _user_traceback(error: BaseException) -> str:
    """The traceback without the frames of importlib and of this package."""
    here = __name__.rpartition(".")[0]
    frames = [
        frame
        for frame in traceback.extract_tb(error.__traceback__)
        if not frame.filename.startswith("<frozen")
        and "/importlib/" not in frame.filename.replace("\\", "/")
        and f"/{here}/" not in frame.filename.replace("\\", "/")
    ]
    lines = ["Traceback (most recent call last):\n"] if frames else []
    lines += traceback.format_list(frames)
    lines += traceback.format_exception_only(type(error), error)
    return "".join(lines)


def _candidates_hint(module) -> str:
    names = [
        name
        for name, value in sorted(vars(module).items())
        if isinstance(value, sqlalchemy.MetaData)
        or isinstance(getattr(value, "metadata", None), sqlalchemy.MetaData)
    ]
    if names:
        return "in " + module.__name__ + ": " + ", ".join(names[:8])
    return "name a declarative base (class Base(DeclarativeBase)) or a MetaData"


# --------------------------------------------------------------------------------------------
# Writing


@dataclass
class _Lines:
    lines: List[str] = field(default_factory=list)

    def add(self, indent: int, text: str) -> None:
        self.lines.append("  " * indent + text)

    def comment(self, indent: int, text: str) -> None:
        # A comment is one line: newlines in a repr or an expression would end it.
        self.add(indent, "# " + " ".join(text.split()))


_ORDER = {"desc_op": "desc", "asc_op": "asc"}
_NULLS = {
    "nulls_first_op": "first",
    "nullsfirst_op": "first",
    "nulls_last_op": "last",
    "nullslast_op": "last",
}


class _Writer:
    def __init__(self, metadata: sqlalchemy.MetaData, default_schema: str):
        self.metadata = metadata
        self.default_schema = default_schema
        self.dialect = postgresql.dialect()
        self.ddl = self.dialect.ddl_compiler(self.dialect, None)
        self.preparer = self.dialect.identifier_preparer
        self.out = _Lines()
        # (schema, name) -> values, and where each enum was first seen (for a conflict note).
        self.enums: dict = {}
        self.enum_notes: List[str] = []
        self.sequences: dict = {}

    # SQL text ----------------------------------------------------------------------------

    def sql(self, clause) -> str:
        """An expression as the DDL compiler writes it: no table prefix, literals inlined."""
        if isinstance(clause, str):
            return clause
        return str(
            self.ddl.sql_compiler.process(clause, include_table=False, literal_binds=True)
        )

    def constraint_name(self, constraint) -> Optional[str]:
        """The name the DDL would give: the naming convention applied, truncated as the
        dialect truncates; ``None`` when PostgreSQL chooses it."""
        if constraint.name is None:
            return None
        try:
            if isinstance(constraint, sa_schema.Index):
                rendered = self.ddl._prepared_index_name(constraint, include_schema=False)
            else:
                rendered = self.preparer.format_constraint(constraint)
        except sqlalchemy.exc.SQLAlchemyError as error:
            raise ExportError(
                f"the name of a constraint of {constraint.table.fullname} cannot be made: {error}",
                "name the constraint, or fix the MetaData's naming_convention",
            ) from None
        return unquote(rendered) if rendered else None

    def table_key(self, table: sqlalchemy.Table) -> str:
        schema = self.preparer.schema_for_object(table) or self.default_schema
        return qualified_key(schema, table.name, self.default_schema)

    # Types --------------------------------------------------------------------------------

    def native_enum(self, type_) -> Optional[sqltypes.Enum]:
        impl = _dialect_impl(type_, self.dialect)
        if isinstance(impl, sqltypes.Enum) and impl.native_enum:
            return impl
        return None

    def column_type(self, column: sqlalchemy.Column) -> Tuple[str, Optional[str]]:
        """The column's type and its collation (``None``: the type's default)."""
        impl = _dialect_impl(column.type, self.dialect)
        item = impl
        array = ""
        while isinstance(item, sqltypes.ARRAY):
            dims = item.dimensions or 1
            array += "[]" * dims
            item = _dialect_impl(item.item_type, self.dialect)
        enum = self.native_enum(item)
        if enum is not None:
            schema = self.preparer.schema_for_object(enum) or self.default_schema
            values = list(enum.enums)
            known = self.enums.setdefault((schema, enum.name), values)
            if known != values:
                self.enum_notes.append(
                    f"enum {enum.name}: {column.table.fullname}.{column.name} declares "
                    f"{values}, another column {known}; the first is written"
                )
            return qualified_key(schema, enum.name, self.default_schema) + array, None
        text = self.dialect.type_compiler_instance.process(
            column.type, type_expression=column, identifier_preparer=self.preparer
        )
        collation = getattr(item, "collation", None)
        if collation:
            text, _, written = text.partition(" COLLATE ")
            return text.strip(), written.strip() or collation
        return text, None

    # Tables -------------------------------------------------------------------------------

    def table(self, table: sqlalchemy.Table) -> List[str]:
        body = _Lines()
        pk = table.primary_key
        pk_columns = [c.name for c in pk.columns] if pk is not None else []
        pk_name = self.constraint_name(pk) if pk_columns else None
        inline_pk = len(pk_columns) == 1 and pk_name is None

        if table.comment:
            body.add(2, "comment: " + scalar(table.comment))
        body.add(2, "columns:")
        for column in table.columns:
            self.column(body, column, inline_pk and column.primary_key)

        if pk_columns and not inline_pk:
            if pk_name:
                body.add(
                    2,
                    "primary_key: "
                    + flow_map([("name", scalar(pk_name)), ("columns", flow_list(pk_columns))]),
                )
            else:
                body.add(2, "primary_key: " + flow_list(pk_columns))

        self.indexes(body, table)
        self.foreign_keys(body, table)
        self.uniques_and_checks(body, table)
        self.table_notes(body, table)
        return body.lines

    def column(self, body: _Lines, column: sqlalchemy.Column, inline_pk: bool) -> None:
        where = f"{column.table.name}.{column.name}"
        spec = self.ddl.get_column_specification(column)
        head = self.preparer.format_column(column)
        rest = spec[len(head):].split()
        serial = rest[0].lower() if rest and rest[0] in ("SERIAL", "BIGSERIAL", "SMALLSERIAL") else None
        identity = column.identity
        computed = column.computed

        entries: List[Tuple[str, str]] = []
        notes: List[str] = []
        if serial:
            entries.append(("type", scalar(serial)))
            collation = None
        else:
            data_type, collation = self.column_type(column)
            entries.append(("type", scalar(data_type)))
        if inline_pk:
            entries.append(("primary_key", "true"))
        elif not column.nullable and not serial and identity is None:
            entries.append(("nullable", "false"))
        if not serial and identity is None and computed is None:
            default = self.ddl.get_column_default_string(column)
            if default is not None:
                entries.append(("default", scalar(default)))
        if identity is not None:
            entries.append(("identity", "always" if identity.always else "by_default"))
            options = _identity_options(identity)
            if options:
                notes.append(
                    f"{where}: identity options ({options}) are not compared by driftlint"
                )
        if computed is not None:
            entries.append(("generated", scalar(self.sql(computed.sqltext))))
            if computed.persisted is False:
                notes.append(
                    f"{where}: a VIRTUAL generated column; schema.yaml's `generated` is compared "
                    "as a generated column whatever its kind"
                )
        if collation:
            entries.append(("collation", scalar(collation)))
        if column.comment:
            entries.append(("comment", scalar(column.comment)))

        notes.extend(self.python_side(column, where))
        for note in notes:
            body.comment(3, note)
        body.add(3, yaml_key(column.name) + ": " + flow_map(entries))

    def python_side(self, column: sqlalchemy.Column, where: str) -> Iterable[str]:
        """Comments for what SQLAlchemy does at insert or update time, not the database."""
        default = column.default
        if isinstance(default, sa_schema.Sequence) and default.optional:
            yield (
                f"{where}: Sequence {default.name} is optional: PostgreSQL does not get it "
                "(a primary key column is SERIAL instead)"
            )
        elif isinstance(default, sa_schema.Sequence):
            server = "its server default is written" if column.server_default is not None else (
                "the column has no server default"
            )
            yield f"{where}: Sequence {default.name} is called by SQLAlchemy on insert; {server}"
        elif default is not None:
            yield (
                f"{where}: default={_describe(default, self.sql)} is applied by SQLAlchemy, "
                "not by the database: not a server default, left out"
            )
        if column.onupdate is not None:
            yield (
                f"{where}: onupdate={_describe(column.onupdate, self.sql)} is applied by "
                "SQLAlchemy, not by the database: left out"
            )
        if column.server_onupdate is not None and not isinstance(
            column.server_onupdate, (sa_schema.Computed, sa_schema.Identity)
        ):
            yield f"{where}: server_onupdate (a trigger the database must have) is not compared"

    def sequence_key(self, sequence: sa_schema.Sequence) -> str:
        schema = self.preparer.schema_for_object(sequence) or self.default_schema
        return qualified_key(schema, sequence.name, self.default_schema)

    def sequence_options(self, sequence: sa_schema.Sequence) -> List[Tuple[str, str]]:
        """A ``sequences:`` entry: every option as PostgreSQL has it after the ``CREATE
        SEQUENCE`` of create_all(), those SQLAlchemy leaves out at PostgreSQL's defaults."""
        data_type = "bigint"
        if sequence.data_type is not None:
            data_type = self.dialect.type_compiler_instance.process(sequence.data_type).lower()
        try:
            resolved = sequence_in_postgresql(sequence, data_type)
        except ValueError as error:
            raise ExportError(
                f"sequence {sequence.name}: {error}",
                "PostgreSQL refuses this CREATE SEQUENCE: fix the Sequence's options",
            ) from None
        return [("type", scalar(data_type))] + [
            (option, str(value).lower()) for option, value in resolved
        ]

    def indexes(self, body: _Lines, table: sqlalchemy.Table) -> None:
        written = []
        for index in table.indexes:
            written.append((self.constraint_name(index) or "", index))
        if not written:
            return
        body.add(2, "indexes:")
        for name, index in sorted(written, key=lambda pair: pair[0]):
            options = index.dialect_options["postgresql"]
            ops = options["ops"] or {}
            keys = [self.index_key(expr, ops) for expr in index.expressions]
            entries: List[Tuple[str, str]] = []
            if name:
                entries.append(("name", scalar(name)))
            entries.append(("columns", "[" + ", ".join(keys) + "]"))
            if index.unique:
                entries.append(("unique", "true"))
            if options["where"] is not None:
                entries.append(("where", scalar(self.sql(options["where"]))))
            using = options["using"]
            if using and str(using).lower() != "btree":
                entries.append(("using", scalar(str(using).lower())))
            include = options["include"] or []
            if include:
                names = [c if isinstance(c, str) else c.name for c in include]
                entries.append(("include", flow_list(names)))
            if options.get("nulls_not_distinct"):
                entries.append(("nulls_not_distinct", "true"))
            if options.get("with"):
                body.comment(3, f"index {name}: storage parameters (postgresql_with) are not compared")
            if options.get("tablespace"):
                body.comment(3, f"index {name}: the tablespace is not compared")
            body.add(3, "- " + flow_map(entries))

    def index_key(self, expr, ops: dict) -> str:
        entries = self.key_entries(expr, ops)
        if len(entries) == 1 and entries[0][0] == "column":
            return entries[0][1]
        return flow_map(entries)

    def key_entries(self, expr, ops: dict) -> List[Tuple[str, str]]:
        """An index or exclusion key as (key, YAML value) pairs: `column` or `expression`, then
        `order`, `nulls` and `opclass` where set."""
        # The DDL compiler applies an operator class only to a key whose `key` is in ops.
        opclass = ops.get(expr.key) if hasattr(expr, "key") and isinstance(expr.key, str) else None
        order = nulls = None
        inner = expr
        while isinstance(inner, elements.UnaryExpression) and inner.modifier is not None:
            name = getattr(inner.modifier, "__name__", "")
            if name in _ORDER:
                order = _ORDER[name]
            elif name in _NULLS:
                nulls = _NULLS[name]
            else:
                break
            inner = inner.element
        entries: List[Tuple[str, str]] = []
        column = None
        expression = None
        if isinstance(inner, sa_schema.Column) or (
            isinstance(inner, elements.ColumnClause) and not inner.is_literal
        ):
            column = inner.name
        elif isinstance(inner, elements.TextClause):
            # `text('"placedAt" DESC')`: the order and nulls are words of the text.
            column, expression, order, nulls = _text_key(inner.text, order, nulls)
        else:
            expression = self.sql(inner)
        if column is not None:
            entries.append(("column", scalar(column)))
        else:
            entries.append(("expression", scalar(expression)))
        if order:
            entries.append(("order", order))
        if nulls:
            entries.append(("nulls", nulls))
        if opclass:
            entries.append(("opclass", scalar(opclass)))
        return entries

    def foreign_keys(self, body: _Lines, table: sqlalchemy.Table) -> None:
        fks = sorted(
            table.foreign_key_constraints,
            key=lambda fk: (self.constraint_name(fk) or "", [c.name for c in fk.columns]),
        )
        if not fks:
            return
        body.add(2, "foreign_keys:")
        for fk in fks:
            try:
                target = fk.referred_table
                referred = [element.column.name for element in fk.elements]
            except sqlalchemy.exc.SQLAlchemyError as error:
                raise ExportError(
                    f"a foreign key of {table.fullname} cannot be resolved: {error}",
                    "the referenced table must be in the same MetaData (import its model too)",
                ) from None
            entries: List[Tuple[str, str]] = []
            name = self.constraint_name(fk)
            if name:
                entries.append(("name", scalar(name)))
            entries.append(("columns", flow_list([c.name for c in fk.columns])))
            entries.append(
                (
                    "references",
                    flow_map(
                        [("table", scalar(self.table_key(target))), ("columns", flow_list(referred))]
                    ),
                )
            )
            for key, action in (("on_delete", fk.ondelete), ("on_update", fk.onupdate)):
                if action:
                    action = " ".join(action.lower().split())
                    if action != "no action":
                        entries.append((key, scalar(action)))
            if fk.deferrable:
                entries.append(("deferrable", "true"))
            if (fk.initially or "").upper() == "DEFERRED":
                entries.append(("initially_deferred", "true"))
            if fk.match:
                body.comment(3, f"foreign key {name or ''}: MATCH {fk.match} is not compared")
            if fk.use_alter:
                body.comment(3, f"foreign key {name or ''}: use_alter (added after the tables)")
            body.add(3, "- " + flow_map(entries))

    def uniques_and_checks(self, body: _Lines, table: sqlalchemy.Table) -> None:
        uniques, checks, excludes = [], [], []
        for constraint in table.constraints:
            # A type's constraint (Boolean(create_constraint=True), a non-native Enum) exists
            # only where the DDL compiler would create it: not for a native boolean.
            create_rule = getattr(constraint, "_create_rule", None)
            if create_rule is not None and not create_rule(self.ddl):
                continue
            if isinstance(constraint, postgresql.ExcludeConstraint):
                excludes.append(constraint)
            elif isinstance(constraint, sa_schema.UniqueConstraint):
                uniques.append(constraint)
            elif isinstance(constraint, sa_schema.CheckConstraint):
                checks.append(constraint)
        if uniques:
            body.add(2, "unique:")
            rows = []
            for unique in uniques:
                name = self.constraint_name(unique)
                entries: List[Tuple[str, str]] = []
                if name:
                    entries.append(("name", scalar(name)))
                entries.append(("columns", flow_list([c.name for c in unique.columns])))
                if unique.dialect_kwargs.get("postgresql_nulls_not_distinct"):
                    entries.append(("nulls_not_distinct", "true"))
                rows.append((name or "", [c.name for c in unique.columns], entries))
            for _, _, entries in sorted(rows, key=lambda row: (row[0], row[1])):
                body.add(3, "- " + flow_map(entries))
        if checks:
            body.add(2, "checks:")
            rows = []
            for check in checks:
                name = self.constraint_name(check)
                expression = self.sql(check.sqltext)
                entries = ([("name", scalar(name))] if name else []) + [
                    ("expression", scalar(expression))
                ]
                rows.append((name or "", expression, entries))
            for _, _, entries in sorted(rows, key=lambda row: (row[0], row[1])):
                body.add(3, "- " + flow_map(entries))
        if excludes:
            body.add(2, "exclude:")
            rows = []
            for exclude in excludes:
                name = self.constraint_name(exclude)
                rows.append((name or "", self.exclusion(exclude, name)))
            for _, entries in sorted(rows, key=lambda row: row[0]):
                body.add(3, "- " + flow_map(entries))

    def exclusion(self, exclude, name: Optional[str]) -> List[Tuple[str, str]]:
        """An `exclude:` item: each element as an index key plus its `with` operator, in the
        order the DDL compiler writes them."""
        ops = getattr(exclude, "ops", None) or {}
        items = []
        for expr, _key, operator in exclude._render_exprs:
            entries = self.key_entries(expr, ops) + [("with", scalar(str(operator)))]
            items.append(flow_map(entries))
        entries: List[Tuple[str, str]] = []
        if name:
            entries.append(("name", scalar(name)))
        using = str(exclude.using or "gist").lower()
        if using != "gist":
            entries.append(("using", scalar(using)))
        entries.append(("elements", "[" + ", ".join(items) + "]"))
        if exclude.where is not None:
            entries.append(("where", scalar(self.sql(exclude.where))))
        if exclude.deferrable:
            entries.append(("deferrable", "true"))
        if (exclude.initially or "").upper() == "DEFERRED":
            entries.append(("initially_deferred", "true"))
        return entries

    def table_notes(self, body: _Lines, table: sqlalchemy.Table) -> None:
        options = table.dialect_options["postgresql"]
        for option in ("partition_by", "inherits", "with_oids", "tablespace", "using"):
            try:
                value = options[option]
            except KeyError:
                continue
            if value:
                body.comment(2, f"postgresql_{option}={value!r} is not compared")

    # The document --------------------------------------------------------------------------

    def document(self, source: str) -> str:
        tables = sorted(self.metadata.tables.values(), key=lambda t: (t.schema or "", t.name))
        bodies = [(self.table_key(table), self.table(table)) for table in tables]
        # Every sequence create_all() creates: the MetaData's and the columns' (both are in
        # `_sequences`), except an optional one, which PostgreSQL never gets.
        for sequence in self.metadata._sequences.values():
            if not sequence.optional:
                self.sequences[self.sequence_key(sequence)] = sequence

        out = _Lines()
        out.comment(0, f"schema.yaml written by driftlint-sqlalchemy from {source}")
        out.comment(
            0,
            f"(SQLAlchemy {sqlalchemy.__version__}, PostgreSQL dialect): edit the models, not this file.",
        )
        out.add(0, "version: 1")
        out.add(0, "schema: " + scalar(self.default_schema))
        if self.enums:
            out.add(0, "enums:")
            for (schema, name), values in sorted(self.enums.items()):
                key = qualified_key(schema, name, self.default_schema)
                out.add(1, yaml_key(key) + ": " + flow_list(values))
        for note in self.enum_notes:
            out.comment(0, note)
        if self.sequences:
            out.add(0, "sequences:")
            for key in sorted(self.sequences):
                options = self.sequence_options(self.sequences[key])
                out.add(1, yaml_key(key) + ": " + flow_map(options))
        out.add(0, "tables:")
        for key, lines in bodies:
            out.add(1, yaml_key(key) + ":")
            out.lines.extend(lines)
        return "\n".join(out.lines) + "\n"


def export_metadata(
    metadata: sqlalchemy.MetaData, source: str = "a MetaData", default_schema: str = "public"
) -> str:
    """The schema.yaml text of every table of ``metadata``."""
    return _Writer(metadata, default_schema).document(source)


# --------------------------------------------------------------------------------------------
# Helpers


def _dialect_impl(type_, dialect):
    """The type the dialect uses, with TypeDecorators unwrapped."""
    impl = type_.dialect_impl(dialect)
    seen = 0
    while isinstance(impl, sqltypes.TypeDecorator) and seen < 10:
        impl = impl.load_dialect_impl(dialect)
        seen += 1
    return impl


_TEXT_KEY_TAIL = re.compile(
    r"^(?P<body>.*?)(?:\s+(?P<order>ASC|DESC))?(?:\s+NULLS\s+(?P<nulls>FIRST|LAST))?\s*$",
    re.IGNORECASE | re.DOTALL,
)
_IDENTIFIER = re.compile(r'[A-Za-z_][A-Za-z0-9_$]*|"(?:[^"]|"")+"')


def _text_key(text: str, order, nulls):
    """A ``text()`` index key split into (column or None, expression or None, order, nulls):
    the text is SQL, so a bare name is folded to lower case and a quoted one is unquoted."""
    match = _TEXT_KEY_TAIL.match(text.strip())
    body = match.group("body").strip() if match else text.strip()
    if match and match.group("order"):
        order = match.group("order").lower()
    if match and match.group("nulls"):
        nulls = match.group("nulls").lower()
    if _IDENTIFIER.fullmatch(body):
        return (unquote(body) if body.startswith('"') else body.lower()), None, order, nulls
    return None, body, order, nulls


# The range of each type a sequence may have.
_SEQUENCE_RANGES = {
    "smallint": (-(2**15), 2**15 - 1),
    "integer": (-(2**31), 2**31 - 1),
    "bigint": (-(2**63), 2**63 - 1),
}


def sequence_in_postgresql(sequence, data_type: str) -> List[Tuple[str, object]]:
    """``start``, ``increment``, ``min_value``, ``max_value``, ``cache`` and ``cycle`` of a
    sequence of type ``data_type`` as PostgreSQL sets them from the options SQLAlchemy writes
    (an option left out, or NO MINVALUE / NO MAXVALUE, takes PostgreSQL's default: an ascending
    sequence runs from 1 to the type's maximum, a descending one from -1 down to its minimum,
    and starts at the end it leaves from). ValueError for what PostgreSQL would refuse."""
    if data_type not in _SEQUENCE_RANGES:
        raise ValueError(f"the type {data_type} is not smallint, integer or bigint")
    low, high = _SEQUENCE_RANGES[data_type]
    increment = 1 if sequence.increment is None else sequence.increment
    if increment == 0:
        raise ValueError("the increment is 0")
    for value, none, option in (
        (sequence.minvalue, sequence.nominvalue, "MINVALUE"),
        (sequence.maxvalue, sequence.nomaxvalue, "MAXVALUE"),
    ):
        if value is not None and none is not None:
            raise ValueError(f"both {option} and NO {option} are set")
    min_value = sequence.minvalue
    if min_value is None:
        min_value = 1 if increment > 0 else low
    max_value = sequence.maxvalue
    if max_value is None:
        max_value = high if increment > 0 else -1
    if not (low <= min_value < max_value <= high):
        raise ValueError(
            f"MINVALUE {min_value} and MAXVALUE {max_value} are not an increasing range of "
            f"{data_type}"
        )
    start = sequence.start
    if start is None:
        start = min_value if increment > 0 else max_value
    if not (min_value <= start <= max_value):
        raise ValueError(f"START WITH {start} is outside {min_value} .. {max_value}")
    cache = 1 if sequence.cache is None else sequence.cache
    if cache < 1:
        raise ValueError(f"CACHE {cache} is below 1")
    return [
        ("start", start),
        ("increment", increment),
        ("min_value", min_value),
        ("max_value", max_value),
        ("cache", cache),
        ("cycle", bool(sequence.cycle)),
    ]


def _identity_options(identity) -> str:
    parts = []
    for option in ("start", "increment", "minvalue", "maxvalue", "cycle", "cache", "order"):
        value = getattr(identity, option, None)
        if value not in (None, False):
            parts.append(f"{option}={value}")
    return ", ".join(parts)


def _describe(default, render) -> str:
    arg = getattr(default, "arg", default)
    if callable(arg):
        wrapped = getattr(arg, "__wrapped__", arg)
        module = getattr(wrapped, "__module__", None)
        name = getattr(wrapped, "__qualname__", None) or getattr(wrapped, "__name__", None)
        if name and name != "<lambda>":
            return f"{module}.{name}" if module and module != "builtins" else name
        return "a Python callable"
    if isinstance(arg, elements.ClauseElement):
        return render(arg) + " (a SQL expression SQLAlchemy sends itself)"
    return repr(arg)


_PLAIN_NAME = re.compile(r"[^.\"]+")


def qualified_key(schema: str, name: str, default_schema: str) -> str:
    """A table or type name as schema.yaml writes it: ``name`` in the default schema, else
    ``schema.name``; a part holding a dot or starting with a quote is SQL-quoted."""

    def part(text: str) -> str:
        if _PLAIN_NAME.fullmatch(text):
            return text
        return '"' + text.replace('"', '""') + '"'

    if schema == default_schema:
        return part(name) if "." in name or name.startswith('"') else name
    return part(schema) + "." + part(name)


def unquote(identifier: str) -> str:
    """A name as the preparer rendered it (``"Order"``, ``x``), back to the raw name."""
    if len(identifier) >= 2 and identifier[0] == '"' and identifier[-1] == '"':
        return identifier[1:-1].replace('""', '"')
    return identifier
