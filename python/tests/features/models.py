"""Every construct the exporter writes, in two schemas: native enums (one in another schema, one
in an array), collations, server defaults of every kind, Identity (always, by default with
options), Computed, serial, a composite and named primary key, foreign keys with actions,
deferrable and composite across schemas and to the table itself, unique constraints (composite,
NULLS NOT DISTINCT), named and unnamed checks, indexes with postgresql_where / _using /
_include / _ops, expression and descending keys, comments, mixed-case and reserved names, and
sequences (standalone, a column's, with PostgreSQL's defaults left unset), and what is left out
with a comment: Python-side defaults."""

import enum
import uuid
from datetime import datetime
from decimal import Decimal
from typing import List, Optional

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Computed,
    DateTime,
    Enum,
    ForeignKey,
    ForeignKeyConstraint,
    Identity,
    Index,
    Integer,
    MetaData,
    Numeric,
    PrimaryKeyConstraint,
    Sequence,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, ExcludeConstraint, INET, JSONB, TSRANGE, UUID
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Plan(enum.Enum):
    free = "free"
    team = "team"
    enterprise = "enterprise"


invoice_state = Enum("draft", "sent", "paid", "void", name="invoice_state", schema="billing")
tag_kind = Enum("Red", "green", "Blue Sky", name="TagKind")

ticket_numbers = Sequence("ticket_numbers", start=1000, metadata=Base.metadata)
# More standalone sequences (create_all() creates them); ledger_no is also a server default.
order_no = Sequence("order_no", start=1000, increment=10, cache=5, metadata=Base.metadata)
countdown = Sequence(
    "countdown", data_type=Integer, increment=-1, cycle=True, metadata=Base.metadata
)
ledger_no = Sequence(
    "ledger_no",
    data_type=SmallInteger,
    minvalue=-5,
    maxvalue=999,
    schema="billing",
    metadata=Base.metadata,
)


class Account(Base):
    __tablename__ = "accounts"
    __table_args__ = (
        PrimaryKeyConstraint("region", "account_no"),
        {"schema": "billing", "comment": "billing accounts, one per region and number"},
    )

    region: Mapped[str] = mapped_column(String(8))
    account_no: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200, collation="C"), nullable=False)
    plan: Mapped[Plan] = mapped_column(
        Enum(Plan, name="plan"), nullable=False, server_default="free"
    )
    balance: Mapped[Decimal] = mapped_column(
        Numeric(12, 2), nullable=False, server_default=text("0.00")
    )
    opened_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now()
    )


class Invoice(Base):
    __tablename__ = "invoices"
    __table_args__ = (
        ForeignKeyConstraint(
            ["region", "account_no"],
            ["billing.accounts.region", "billing.accounts.account_no"],
            ondelete="CASCADE",
            onupdate="CASCADE",
            deferrable=True,
            initially="DEFERRED",
        ),
        CheckConstraint("total >= 0", name="ck_invoices_total_not_negative"),
        CheckConstraint("due_on IS NULL OR due_on >= issued_on"),
        Index("ix_invoices_open", "account_no", postgresql_where=text("state <> 'paid'")),
        {"schema": "billing"},
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(always=True), primary_key=True)
    region: Mapped[str] = mapped_column(String(8), nullable=False)
    account_no: Mapped[int] = mapped_column(Integer, nullable=False)
    state: Mapped[str] = mapped_column(invoice_state, nullable=False, server_default="draft")
    total: Mapped[Decimal] = mapped_column(Numeric(12, 2), nullable=False)
    tax: Mapped[Decimal] = mapped_column(
        Numeric(12, 2), Computed("round(total * 0.2, 2)", persisted=True)
    )
    issued_on: Mapped[datetime] = mapped_column(DateTime, nullable=False, server_default=func.now())
    due_on: Mapped[Optional[datetime]] = mapped_column(DateTime)
    number: Mapped[int] = mapped_column(Integer, ticket_numbers, nullable=False)
    ledger_entry: Mapped[int] = mapped_column(
        SmallInteger, ledger_no, server_default=ledger_no.next_value(), nullable=False
    )


class Customer(Base):
    __tablename__ = "customers"
    __table_args__ = (
        UniqueConstraint("tenant_id", "email", postgresql_nulls_not_distinct=True),
        Index("ix_customers_lower_email", func.lower(text("email")), unique=True),
        Index(
            "ix_customers_name_pattern",
            "name",
            postgresql_ops={"name": "text_pattern_ops"},
        ),
        Index("ix_customers_tags", "tags", postgresql_using="gin"),
        Index("ix_customers_created", text("created_at DESC NULLS LAST")),
        Index("ix_customers_tenant_cover", "tenant_id", postgresql_include=["name", "email"]),
        {"comment": "people who pay"},
    )

    id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), primary_key=True, server_default=text("gen_random_uuid()")
    )
    tenant_id: Mapped[Optional[int]] = mapped_column(Integer)
    email: Mapped[Optional[str]] = mapped_column(String(320), comment="lower-cased on write")
    name: Mapped[str] = mapped_column(Text, nullable=False)
    tags: Mapped[Optional[List[str]]] = mapped_column(ARRAY(Text))
    kinds: Mapped[Optional[list]] = mapped_column(ARRAY(tag_kind))
    profile: Mapped[dict] = mapped_column(JSONB, nullable=False, server_default=text("'{}'::jsonb"))
    last_ip: Mapped[Optional[str]] = mapped_column(INET)
    score: Mapped[int] = mapped_column(SmallInteger, nullable=False, server_default="0")
    vip: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default=text("false"))
    loyalty_no: Mapped[Optional[int]] = mapped_column(BigInteger, Sequence("customer_loyalty_no"))
    referrer_id: Mapped[Optional[uuid.UUID]] = mapped_column(
        UUID(as_uuid=True), ForeignKey("customers.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now()
    )
    token: Mapped[str] = mapped_column(String(64), nullable=False, default=lambda: uuid.uuid4().hex)
    updated_at: Mapped[Optional[datetime]] = mapped_column(
        DateTime(timezone=True), onupdate=datetime.utcnow
    )


class Order(Base):
    """A mixed-case table with a reserved-word column and a serial key."""

    __tablename__ = "Order"
    __table_args__ = (
        CheckConstraint("quantity > 0"),
        Index("ix_Order_customer_placed", "customer_id", text('"placedAt" DESC')),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    customer_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("customers.id", ondelete="RESTRICT"), nullable=False
    )
    user: Mapped[str] = mapped_column("user", String(100), nullable=False)
    quantity: Mapped[int] = mapped_column(Integer, nullable=False, server_default="1")
    placedAt: Mapped[datetime] = mapped_column(
        "placedAt", DateTime(timezone=True), nullable=False, server_default=func.now()
    )
    line_no: Mapped[int] = mapped_column(
        BigInteger, Identity(start=10, increment=5), nullable=False
    )


class Booking(Base):
    __tablename__ = "bookings"
    __table_args__ = (
        ExcludeConstraint((text("during"), "&&"), using="gist", name="bookings_no_overlap"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    room: Mapped[str] = mapped_column(String(20), nullable=False)
    during: Mapped[object] = mapped_column(TSRANGE, nullable=False)
