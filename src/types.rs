//! Canonical PostgreSQL type names: every spelling a person writes (`int`, `int4`, `serial`,
//! `varchar(255)`, `timestamptz`, `text[]`) mapped to what `format_type` prints.
