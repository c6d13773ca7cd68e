"""The exporter, construct by construct: what each SQLAlchemy feature becomes in schema.yaml
(read back with PyYAML), what is left out with a comment, and the errors of the command line.
The round trip against a real database (create_all, export, `driftlint check --strict`) is the
oracle test, python/tests/oracle.sh."""

import subprocess
import sys
import textwrap
import uuid

import pytest
import sqlalchemy as sa
import yaml
from sqlalchemy.dialects import postgresql as pg

from driftlint_sqlalchemy import ExportError, export_metadata, resolve_metadata
from driftlint_sqlalchemy.yaml import scalar


def exported(metadata):
    text = export_metadata(metadata, source="test")
    return text, yaml.safe_load(text)


def table_of(metadata, name):
    return exported(metadata)[1]["tables"][name]


# Columns ---------------------------------------------------------------------------------------


def test_types_are_compiled_by_the_postgresql_dialect():
    md = sa.MetaData()
    sa.Table(
        "t",
        md,
        sa.Column("a", sa.String(255)),
        sa.Column("b", sa.Numeric(12, 2)),
        sa.Column("c", sa.DateTime(timezone=True)),
        sa.Column("d", pg.ARRAY(sa.Integer)),
        sa.Column("e", pg.JSONB),
        sa.Column("f", sa.Uuid),
        sa.Column("g", sa.Double),
    )
    columns = table_of(md, "t")["columns"]
    assert [columns[c]["type"] for c in "abcdefg"] == [
        "VARCHAR(255)",
        "NUMERIC(12, 2)",
        "TIMESTAMP WITH TIME ZONE",
        "INTEGER[]",
        "JSONB",
        "UUID",
        "DOUBLE PRECISION",
    ]


def test_a_type_decorator_is_written_as_its_implementation():
    class Email(sa.types.TypeDecorator):
        impl = sa.String(320)
        cache_ok = True

    md = sa.MetaData()
    sa.Table("t", md, sa.Column("id", sa.Integer, primary_key=True), sa.Column("e", Email()))
    assert table_of(md, "t")["columns"]["e"]["type"] == "VARCHAR(320)"


def test_an_autoincrement_integer_key_is_serial_as_create_all_makes_it():
    md = sa.MetaData()
    sa.Table("a", md, sa.Column("id", sa.Integer, primary_key=True))
    sa.Table("b", md, sa.Column("id", sa.BigInteger, primary_key=True))
    sa.Table("c", md, sa.Column("id", sa.Integer, primary_key=True, autoincrement=False))
    tables = exported(md)[1]["tables"]
    assert tables["a"]["columns"]["id"] == {"type": "serial", "primary_key": True}
    assert tables["b"]["columns"]["id"] == {"type": "bigserial", "primary_key": True}
    assert tables["c"]["columns"]["id"] == {"type": "INTEGER", "primary_key": True}


def test_nullability_and_server_defaults_are_the_ddl_text():
    md = sa.MetaData()
    sa.Table(
        "t",
        md,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("status", sa.String(20), nullable=False, server_default="pending"),
        sa.Column("created", sa.DateTime, server_default=sa.func.now()),
        sa.Column("flag", sa.Boolean, nullable=False, server_default=sa.text("false")),
        sa.Column("quote", sa.Text, server_default="it's"),
    )
    columns = table_of(md, "t")["columns"]
    assert columns["status"] == {"type": "VARCHAR(20)", "nullable": False, "default": "'pending'"}
    assert columns["created"]["default"] == "now()"
    assert columns["flag"] == {"type": "BOOLEAN", "nullable": False, "default": "false"}
    assert columns["quote"]["default"] == "'it''s'"


def test_a_python_side_default_is_left_out_with_a_comment():
    md = sa.MetaData()
    sa.Table(
        "t",
        md,
        sa.Column("id", sa.Uuid, primary_key=True, default=uuid.uuid4),
        sa.Column("n", sa.Integer, default=5, onupdate=6),
    )
    text, doc = exported(md)
    assert doc["tables"]["t"]["columns"]["id"] == {"type": "UUID", "primary_key": True}
    assert "default" not in doc["tables"]["t"]["columns"]["n"]
    assert "# t.id: default=uuid.uuid4 is applied by SQLAlchemy, not by the database" in text
    assert "# t.n: default=5 is applied by SQLAlchemy" in text
    assert "# t.n: onupdate=6 is applied by SQLAlchemy" in text


def test_identity_and_computed_columns():
    md = sa.MetaData()
    sa.Table(
        "t",
        md,
        sa.Column("id", sa.BigInteger, sa.Identity(always=True), primary_key=True),
        sa.Column("n", sa.Integer, sa.Identity(start=10)),
        sa.Column("price", sa.Numeric),
        sa.Column("double", sa.Numeric, sa.Computed("price * 2", persisted=True)),
    )
    text, doc = exported(md)
    columns = doc["tables"]["t"]["columns"]
    assert columns["id"] == {"type": "BIGINT", "primary_key": True, "identity": "always"}
    assert columns["n"] == {"type": "INTEGER", "identity": "by_default"}
    assert columns["double"] == {"type": "NUMERIC", "generated": "price * 2"}
    assert "identity options (start=10) are not compared" in text


def test_collation_and_comments():
    md = sa.MetaData()
    sa.Table(
        "t",
        md,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(50, collation="C"), comment="sorted bytewise"),
        comment="a table",
    )
    table = table_of(md, "t")
    assert table["comment"] == "a table"
    assert table["columns"]["name"] == {
        "type": "VARCHAR(50)",
        "collation": '"C"',
        "comment": "sorted bytewise",
    }


def test_native_enums_are_declared_with_their_schema_and_used_by_name():
    md = sa.MetaData()
    sa.Table(
        "t",
        md,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("s", sa.Enum("a", "b", name="status")),
        sa.Column("k", pg.ARRAY(sa.Enum("x", "y", name="Kind"))),
        sa.Column("w", sa.Enum("p", "q", name="where_t", schema="ops")),
        sa.Column("plain", sa.Enum("up", "down", name="plain_t", native_enum=False)),
    )
    doc = exported(md)[1]
    assert doc["enums"] == {"status": ["a", "b"], "Kind": ["x", "y"], "ops.where_t": ["p", "q"]}
    columns = doc["tables"]["t"]["columns"]
    assert columns["s"]["type"] == "status"
    assert columns["k"]["type"] == "Kind[]"
    assert columns["w"]["type"] == "ops.where_t"
    assert columns["plain"]["type"] == "VARCHAR(4)"


# Keys and constraints --------------------------------------------------------------------------


def test_primary_keys_inline_named_and_composite():
    md = sa.MetaData(naming_convention={"pk": "pk_%(table_name)s"})
    sa.Table("named", md, sa.Column("id", sa.Integer, primary_key=True, autoincrement=False))
    plain = sa.MetaData()
    sa.Table(
        "pair",
        plain,
        sa.Column("a", sa.Integer, primary_key=True),
        sa.Column("b", sa.Integer, primary_key=True),
    )
    named = table_of(md, "named")
    assert named["primary_key"] == {"name": "pk_named", "columns": ["id"]}
    assert named["columns"]["id"] == {"type": "INTEGER", "nullable": False}
    assert table_of(plain, "pair")["primary_key"] == ["a", "b"]


def test_foreign_keys_with_actions_deferrable_composite_and_other_schemas():
    md = sa.MetaData()
    sa.Table(
        "accounts",
        md,
        sa.Column("region", sa.String(4), primary_key=True),
        sa.Column("no", sa.Integer, primary_key=True),
        schema="billing",
    )
    sa.Table(
        "invoices",
        md,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("region", sa.String(4)),
        sa.Column("no", sa.Integer),
        sa.Column("parent_id", sa.Integer, sa.ForeignKey("invoices.id", ondelete="SET NULL")),
        sa.ForeignKeyConstraint(
            ["region", "no"],
            ["billing.accounts.region", "billing.accounts.no"],
            name="fk_account",
            ondelete="CASCADE",
            onupdate="NO ACTION",
            deferrable=True,
            initially="DEFERRED",
        ),
    )
    fks = table_of(md, "invoices")["foreign_keys"]
    assert fks == [
        {"columns": ["parent_id"], "references": {"table": "invoices", "columns": ["id"]},
         "on_delete": "set null"},
        {"name": "fk_account", "columns": ["region", "no"],
         "references": {"table": "billing.accounts", "columns": ["region", "no"]},
         "on_delete": "cascade", "deferrable": True, "initially_deferred": True},
    ]


def test_unique_and_check_constraints_with_naming_conventions():
    md = sa.MetaData(
        naming_convention={"uq": "uq_%(table_name)s_%(column_0_N_name)s",
                           "ck": "ck_%(table_name)s_%(constraint_name)s"}
    )
    sa.Table(
        "t",
        md,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("a", sa.Integer, unique=True),
        sa.Column("b", sa.Integer),
        sa.UniqueConstraint("a", "b", postgresql_nulls_not_distinct=True),
        sa.CheckConstraint("b > 0", name="positive"),
        sa.CheckConstraint(sa.column("b") < 100, name="small"),
    )
    table = table_of(md, "t")
    assert table["unique"] == [
        {"name": "uq_t_a", "columns": ["a"]},
        {"name": "uq_t_a_b", "columns": ["a", "b"], "nulls_not_distinct": True},
    ]
    assert table["checks"] == [
        {"name": "ck_t_positive", "expression": "b > 0"},
        {"name": "ck_t_small", "expression": "b < 100"},
    ]


def test_a_types_check_is_written_only_where_create_all_makes_it():
    md = sa.MetaData()
    sa.Table(
        "t",
        md,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("on", sa.Boolean(create_constraint=True)),
        sa.Column("kind", sa.Enum("a", "b", name="kind", native_enum=False, create_constraint=True)),
    )
    # PostgreSQL has a native boolean: no CHECK for it; the non-native enum gets its CHECK.
    assert table_of(md, "t")["checks"] == [{"name": "kind", "expression": "kind IN ('a', 'b')"}]


def test_a_name_over_63_bytes_is_truncated_as_the_dialect_does():
    md = sa.MetaData(naming_convention={"uq": "uq_%(table_name)s_%(column_0_N_name)s"})
    long = "a_really_long_column_name_that_goes_on"
    sa.Table(
        "t",
        md,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(long + "_1", sa.Integer),
        sa.Column(long + "_2", sa.Integer),
        sa.UniqueConstraint(long + "_1", long + "_2"),
    )
    name = table_of(md, "t")["unique"][0]["name"]
    assert len(name) <= 63 and name.startswith("uq_t_a_really")


# Indexes ---------------------------------------------------------------------------------------


def test_indexes_with_where_using_include_ops_and_expressions():
    md = sa.MetaData()
    t = sa.Table(
        "t",
        md,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("email", sa.Text),
        sa.Column("tags", pg.ARRAY(sa.Text)),
        sa.Column("state", sa.Text),
        sa.Column("created", sa.DateTime),
        sa.Index("ix_text", sa.text('"created" DESC')),
    )
    sa.Index("ix_lower", sa.func.lower(t.c.email), unique=True)
    sa.Index("ix_open", t.c.state, postgresql_where=t.c.state != "done")
    sa.Index("ix_tags", t.c.tags, postgresql_using="gin")
    sa.Index("ix_cover", t.c.state, postgresql_include=["email"])
    sa.Index("ix_pattern", t.c.email, postgresql_ops={"email": "text_pattern_ops"})
    sa.Index("ix_recent", t.c.created.desc().nulls_last(), t.c.id)
    indexes = {i["name"]: i for i in table_of(md, "t")["indexes"]}
    assert indexes["ix_lower"] == {
        "name": "ix_lower", "columns": [{"expression": "lower(email)"}], "unique": True}
    assert indexes["ix_open"]["where"] == "state != 'done'"
    assert indexes["ix_tags"]["using"] == "gin"
    assert indexes["ix_cover"]["include"] == ["email"]
    assert indexes["ix_pattern"]["columns"] == [{"column": "email", "opclass": "text_pattern_ops"}]
    assert indexes["ix_recent"]["columns"] == [
        {"column": "created", "order": "desc", "nulls": "last"}, "id"]
    assert indexes["ix_text"]["columns"] == [{"column": "created", "order": "desc"}]


def test_column_index_true_uses_the_naming_convention():
    md = sa.MetaData()
    sa.Table("t", md, sa.Column("id", sa.Integer, primary_key=True),
             sa.Column("email", sa.Text, index=True, unique=True))
    assert table_of(md, "t")["indexes"] == [
        {"name": "ix_t_email", "columns": ["email"], "unique": True}]


# What is left out -------------------------------------------------------------------------------


def test_sequences_are_written_with_the_options_postgresql_fills_in():
    md = sa.MetaData()
    sa.Sequence("numbers", metadata=md)
    sa.Sequence("order_no", metadata=md, start=1000, increment=10, cache=20)
    sa.Sequence("countdown", metadata=md, data_type=sa.Integer, increment=-1, cycle=True)
    sa.Sequence("small", metadata=md, data_type=sa.SmallInteger, minvalue=-5, nomaxvalue=True)
    sa.Sequence("ledger_no", metadata=md, schema="billing", maxvalue=99)
    sa.Table(
        "t",
        md,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("n", sa.Integer, sa.Sequence("t_n_seq")),
    )
    text, doc = exported(md)
    bigint = 2**63 - 1
    assert doc["sequences"] == {
        "numbers": {"type": "bigint", "start": 1, "increment": 1, "min_value": 1,
                    "max_value": bigint, "cache": 1, "cycle": False},
        "order_no": {"type": "bigint", "start": 1000, "increment": 10, "min_value": 1,
                     "max_value": bigint, "cache": 20, "cycle": False},
        "countdown": {"type": "integer", "start": -1, "increment": -1, "min_value": -(2**31),
                      "max_value": -1, "cache": 1, "cycle": True},
        "small": {"type": "smallint", "start": -5, "increment": 1, "min_value": -5,
                  "max_value": 2**15 - 1, "cache": 1, "cycle": False},
        "billing.ledger_no": {"type": "bigint", "start": 1, "increment": 1, "min_value": 1,
                              "max_value": 99, "cache": 1, "cycle": False},
        "t_n_seq": {"type": "bigint", "start": 1, "increment": 1, "min_value": 1,
                    "max_value": bigint, "cache": 1, "cycle": False},
    }
    assert "left out" not in text.split("tables:")[0]
    assert "# t.n: Sequence t_n_seq is called by SQLAlchemy on insert" in text
    assert "default" not in doc["tables"]["t"]["columns"]["n"]


def test_a_sequence_called_by_a_server_default_is_written_with_the_default():
    md = sa.MetaData()
    numbers = sa.Sequence("numbers", metadata=md, schema="billing")
    sa.Table(
        "t",
        md,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("n", sa.Integer, numbers, server_default=numbers.next_value()),
    )
    text, doc = exported(md)
    assert list(doc["sequences"]) == ["billing.numbers"]
    assert doc["tables"]["t"]["columns"]["n"]["default"] == "nextval('billing.numbers')"
    assert "# t.n: Sequence numbers is called by SQLAlchemy on insert; its server default is written" in text


def test_an_optional_sequence_is_not_written_postgresql_never_gets_it():
    md = sa.MetaData()
    sa.Table(
        "t",
        md,
        sa.Column("id", sa.Integer, sa.Sequence("t_id_seq", optional=True), primary_key=True),
    )
    text, doc = exported(md)
    assert "sequences" not in doc
    assert doc["tables"]["t"]["columns"]["id"]["type"] == "serial"
    assert "# t.id: Sequence t_id_seq is optional" in text


@pytest.mark.parametrize(
    "options, message",
    [
        ({"increment": 0}, "the increment is 0"),
        ({"minvalue": 5, "nominvalue": True}, "both MINVALUE and NO MINVALUE are set"),
        ({"minvalue": 10, "maxvalue": 10}, "MINVALUE 10 and MAXVALUE 10 are not an increasing"),
        ({"data_type": sa.SmallInteger, "maxvalue": 2**15}, "MAXVALUE 32768 are not"),
        ({"start": 0}, "START WITH 0 is outside 1 .. 9223372036854775807"),
        ({"cache": 0}, "CACHE 0 is below 1"),
        ({"data_type": sa.Numeric(10)}, "the type numeric(10) is not smallint, integer or bigint"),
    ],
)
def test_a_sequence_postgresql_would_refuse_is_an_export_error(options, message):
    md = sa.MetaData()
    sa.Sequence("bad", metadata=md, **options)
    sa.Table("t", md, sa.Column("id", sa.Integer, primary_key=True))
    with pytest.raises(ExportError) as raised:
        exported(md)
    assert raised.value.message.startswith("sequence bad: ")
    assert message in raised.value.message


def test_exclusion_constraints_are_written_as_the_ddl_makes_them():
    md = sa.MetaData()
    sa.Table(
        "t",
        md,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("room", sa.Integer),
        sa.Column("during", pg.TSRANGE),
        pg.ExcludeConstraint((sa.column("during"), "&&"), using="gist", name="no_overlap"),
        pg.ExcludeConstraint(
            (sa.text("room"), "="),
            (sa.func.tsrange(sa.column("during"), sa.text("'[]'")), "&&"),
            using="spgist",
            name="ex_rooms",
            where=sa.text("room > 0"),
            deferrable=True,
            initially="DEFERRED",
        ),
    )
    text, doc = exported(md)
    assert "left out" not in text
    assert doc["tables"]["t"]["exclude"] == [
        {
            "name": "ex_rooms",
            "using": "spgist",
            "elements": [
                {"column": "room", "with": "="},
                {"expression": "tsrange(during, '[]')", "with": "&&"},
            ],
            "where": "room > 0",
            "deferrable": True,
            "initially_deferred": True,
        },
        {"name": "no_overlap", "elements": [{"column": "during", "with": "&&"}]},
    ]


# Names -----------------------------------------------------------------------------------------


def test_odd_names_survive_yaml():
    md = sa.MetaData()
    sa.Table(
        "Order",
        md,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("user", sa.Text),
        sa.Column("yes", sa.Text),
        sa.Column("a b", sa.Text),
        sa.Column('a"b', sa.Text),
    )
    sa.Table("x.y", md, sa.Column("id", sa.Integer, primary_key=True))
    tables = exported(md)[1]["tables"]
    assert list(tables["Order"]["columns"]) == ["id", "user", "yes", "a b", 'a"b']
    assert '"x.y"' in tables


@pytest.mark.parametrize("text", ["on", "No", "null", "1", "a: b", "x, y", "#", "é", "'q'", ""])
def test_scalars_that_yaml_would_misread_are_quoted(text):
    assert yaml.safe_load("v: " + scalar(text))["v"] == text


# The command line ------------------------------------------------------------------------------


def run_cli(tmp_path, source, spec, *extra):
    (tmp_path / "mymodels.py").write_text(textwrap.dedent(source))
    return subprocess.run(
        [sys.executable, "-m", "driftlint_sqlalchemy", spec, *extra],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )


MODELS = """
    import sqlalchemy as sa
    from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

    class Base(DeclarativeBase):
        pass

    class User(Base):
        __tablename__ = "users"
        id: Mapped[int] = mapped_column(primary_key=True)

    metadata = Base.metadata
    number = 3
"""


def test_cli_writes_the_file_from_a_base_or_a_metadata(tmp_path):
    done = run_cli(tmp_path, MODELS, "mymodels:Base", "--output", "out.yaml")
    assert done.returncode == 0, done.stderr
    doc = yaml.safe_load((tmp_path / "out.yaml").read_text())
    assert doc["version"] == 1 and list(doc["tables"]) == ["users"]
    done = run_cli(tmp_path, MODELS, "mymodels:metadata")
    assert done.returncode == 0 and yaml.safe_load(done.stdout)["tables"]["users"]


@pytest.mark.parametrize(
    "source, spec, message",
    [
        (MODELS, "mymodels", "is not of the form module:attribute"),
        (MODELS, "nosuchmodule:Base", "importing `nosuchmodule` failed: ModuleNotFoundError"),
        ("import sqlalchemy\nraise RuntimeError('settings missing')\n", "mymodels:Base",
         "RuntimeError: settings missing"),
        (MODELS, "mymodels:Nope", "`mymodels` has no attribute `Nope`"),
        (MODELS, "mymodels:number", "is a int, not a declarative base or a MetaData"),
        ("import sqlalchemy\nmd = sqlalchemy.MetaData()\n", "mymodels:md", "has no tables"),
    ],
)
def test_cli_errors_exit_2_with_the_reason_last(tmp_path, source, spec, message):
    done = run_cli(tmp_path, source, spec)
    assert done.returncode == 2
    assert done.stdout == ""
    assert message in done.stderr
    assert "driftlint-sqlalchemy: error:" in done.stderr


def test_an_import_error_shows_the_traceback_of_the_users_module(tmp_path):
    done = run_cli(tmp_path, "import sqlalchemy\nraise RuntimeError('boom')\n", "mymodels:Base")
    assert 'File "' in done.stderr and "mymodels.py" in done.stderr


def test_resolve_metadata_names_the_candidates():
    with pytest.raises(ExportError) as error:
        resolve_metadata("sqlalchemy:nothing_here")
    assert "no attribute" in error.value.message
