"""declarative_base() over MetaData(schema="crm"): enums that inherit the schema, values from
values_callable, many column types, type-bound checks (one that create_all skips for a native
boolean), a deferrable foreign key in the same schema."""

import enum
import sqlalchemy as sa
from sqlalchemy.orm import declarative_base
from sqlalchemy.dialects import postgresql as pg

Base = declarative_base(metadata=sa.MetaData(schema="crm"))

class Color(enum.Enum):
    RED = "red"
    DARK_BLUE = "dark blue"

class Contact(Base):
    __tablename__ = "contacts"
    id = sa.Column(sa.BigInteger, sa.Identity(), primary_key=True)
    color = sa.Column(sa.Enum(Color, name="color", inherit_schema=True, values_callable=lambda e: [m.value for m in e]))
    email = sa.Column(sa.Unicode(200), nullable=False)
    note = sa.Column(sa.UnicodeText)
    ts = sa.Column(sa.TIMESTAMP(timezone=False), server_default=sa.text("CURRENT_TIMESTAMP"))
    amount = sa.Column(sa.Float(precision=53))
    small = sa.Column(sa.Float)
    day = sa.Column(sa.Date, server_default=sa.text("CURRENT_DATE"))
    flags = sa.Column(pg.ARRAY(sa.Integer, dimensions=2))
    data = sa.Column(pg.JSON, server_default=sa.text("'[]'"))
    ip = sa.Column(pg.CIDR)
    t = sa.Column(sa.Time(timezone=True))
    iv = sa.Column(sa.Interval)
    bits = sa.Column(pg.BIT(8))
    money = sa.Column(pg.MONEY)
    big = sa.Column(sa.LargeBinary)
    dec = sa.Column(sa.DECIMAL(10, 0))
    ch = sa.Column(sa.CHAR(3), server_default="abc")
    __table_args__ = (
        sa.Index("ix_contacts_email_lower", sa.func.lower(sa.literal_column("email")), postgresql_where=sa.text("note IS NOT NULL")),
        sa.CheckConstraint("amount >= 0 AND amount < 1e9", name="ck_amount"),
        sa.CheckConstraint("color IN ('red')", name="ck_color"),
        sa.UniqueConstraint("email", "day"),
    )

class Tag(Base):
    __tablename__ = "tags"
    contact_id = sa.Column(sa.BigInteger, sa.ForeignKey("crm.contacts.id", ondelete="CASCADE", deferrable=True), primary_key=True)
    name = sa.Column(sa.String(40), primary_key=True)
    kind = sa.Column(sa.Enum("a", "b", name="tag_kind", create_constraint=True, native_enum=False))
    is_on = sa.Column(sa.Boolean(create_constraint=True), nullable=False, server_default=sa.false())

