//! The result of a comparison: [`Drift`] items, their [`DriftKind`] (named as in the JSON output),
//! their [`Severity`] and the [`Object`] each is about. Plain data; deciding what is drift is the
//! work of the `compare_*` modules beside this one, and describing objects that of `describe`.

use serde::Serialize;

use crate::model::{
    Check, Column, Enum, Exclusion, ForeignKey, Index, Pos, PrimaryKey, QualifiedName, Sequence,
    Table, Unique,
};

/// How serious a drift is: missing and mismatched objects are errors, extra ones and comments
/// warnings (errors under `--strict`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Warning,
    Error,
}

/// The kinds of drift, named as in the JSON output (`missing_column`, ...).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DriftKind {
    MissingTable,
    MissingColumn,
    MissingIndex,
    MissingForeignKey,
    MissingUnique,
    MissingCheck,
    MissingPrimaryKey,
    MissingEnum,
    MissingEnumValue,
    ExtraTable,
    ExtraColumn,
    ExtraIndex,
    ExtraForeignKey,
    ExtraUnique,
    ExtraCheck,
    ExtraEnum,
    ExtraEnumValue,
    ColumnTypeMismatch,
    ColumnNullabilityMismatch,
    ColumnDefaultMismatch,
    IndexMismatch,
    ForeignKeyMismatch,
    PrimaryKeyMismatch,
    /// The labels both sides have are in another order (it decides `ORDER BY` and `<`).
    EnumMismatch,
    /// A declared table or column comment the database does not have (a warning unless
    /// `--strict`: comments change no behaviour).
    CommentMismatch,
    /// A standalone sequence (`sequences:`) the database does not have.
    MissingSequence,
    /// A standalone sequence the declaration does not have.
    ExtraSequence,
    /// A declared option of a sequence (standalone, or an identity column's) or its owner
    /// differs.
    SequenceMismatch,
    /// An exclusion constraint the database does not have (or has another definition of).
    MissingExclusion,
    /// An exclusion constraint the declaration does not have.
    ExtraExclusion,
}

impl DriftKind {
    pub fn as_str(self) -> &'static str {
        match self {
            DriftKind::MissingTable => "missing_table",
            DriftKind::MissingColumn => "missing_column",
            DriftKind::MissingIndex => "missing_index",
            DriftKind::MissingForeignKey => "missing_foreign_key",
            DriftKind::MissingUnique => "missing_unique",
            DriftKind::MissingCheck => "missing_check",
            DriftKind::MissingPrimaryKey => "missing_primary_key",
            DriftKind::MissingEnum => "missing_enum",
            DriftKind::MissingEnumValue => "missing_enum_value",
            DriftKind::ExtraTable => "extra_table",
            DriftKind::ExtraColumn => "extra_column",
            DriftKind::ExtraIndex => "extra_index",
            DriftKind::ExtraForeignKey => "extra_foreign_key",
            DriftKind::ExtraUnique => "extra_unique",
            DriftKind::ExtraCheck => "extra_check",
            DriftKind::ExtraEnum => "extra_enum",
            DriftKind::ExtraEnumValue => "extra_enum_value",
            DriftKind::ColumnTypeMismatch => "column_type_mismatch",
            DriftKind::ColumnNullabilityMismatch => "column_nullability_mismatch",
            DriftKind::ColumnDefaultMismatch => "column_default_mismatch",
            DriftKind::IndexMismatch => "index_mismatch",
            DriftKind::ForeignKeyMismatch => "foreign_key_mismatch",
            DriftKind::PrimaryKeyMismatch => "primary_key_mismatch",
            DriftKind::EnumMismatch => "enum_mismatch",
            DriftKind::CommentMismatch => "comment_mismatch",
            DriftKind::MissingSequence => "missing_sequence",
            DriftKind::ExtraSequence => "extra_sequence",
            DriftKind::SequenceMismatch => "sequence_mismatch",
            DriftKind::MissingExclusion => "missing_exclusion",
            DriftKind::ExtraExclusion => "extra_exclusion",
        }
    }

    /// `true` for the `extra_*` kinds.
    pub fn is_extra(self) -> bool {
        self.as_str().starts_with("extra_")
    }

    /// `true` for the kinds that are warnings unless `--strict`: extra objects and comments.
    pub fn warns(self) -> bool {
        self.is_extra() || self == DriftKind::CommentMismatch
    }
}

/// The object a drift is about, as declared or as found live. Repair works from these.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Object {
    Table(Table),
    Column(Column),
    Index(Index),
    ForeignKey(ForeignKey),
    Unique(Unique),
    Check(Check),
    PrimaryKey(PrimaryKey),
    Enum(Enum),
    Sequence(Sequence),
    Exclusion(Exclusion),
    /// An enum label; `after` is the label it follows in the declared order (`None` = first).
    EnumValue {
        value: String,
        after: Option<String>,
    },
}

/// One difference between the declared and the actual schema.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Drift {
    pub kind: DriftKind,
    /// The table the drift is on; for enum and sequence drift, the type's or sequence's name.
    pub table: QualifiedName,
    /// The column, index, constraint or enum value name; `None` for a whole table or enum, or
    /// for an unnamed object (then `expected`/`actual` describe it).
    pub object: Option<String>,
    /// Human-readable declared definition (`uuid`, `NOT NULL`, an index definition), if any.
    pub expected: Option<String>,
    /// Human-readable live definition, if any.
    pub actual: Option<String>,
    pub severity: Severity,
    /// The declared object (for missing and mismatched drift).
    pub declared: Option<Object>,
    /// The live object (for extra and mismatched drift).
    pub live: Option<Object>,
    /// Where the declared object is written in `schema.yaml`, when known.
    pub pos: Option<Pos>,
}
