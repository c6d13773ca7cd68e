//! How messages and generated SQL spell names and values: objects as SQL identifiers (quoted
//! where PostgreSQL needs quotes, `schema.name` when qualified), enum values and other strings as
//! SQL literals. What a message says around them is each rule's.

use super::action::{quote_ident, Action, Kind, Name, RenameKind};
use crate::model::push_quoted_ident;

/// A string literal holding `value`: `it's` is `'it''s'`.
pub use crate::model::quote_literal as literal;

/// The name of the object an action acts on, for messages: an enum value as a string literal,
/// anything else as [`shown`] renders it.
pub fn shown_name(action: &Action) -> String {
    match (&action.kind, &action.name) {
        (Kind::AddEnumValue | Kind::Rename(RenameKind::EnumValue), Some(value)) => {
            literal(&value.name)
        }
        _ => shown(&action.name),
    }
}

/// Every object a multi-name `DROP a, b` names, as [`shown`] renders them, comma-separated.
pub fn shown_all(action: &Action) -> String {
    let mut all = vec![shown(&action.name)];
    all.extend(action.more_names.iter().map(|n| shown(&Some(n.clone()))));
    all.join(", ")
}

/// The object's name for messages: `schema.name` as SQL identifiers (quoted where PostgreSQL
/// needs quotes), or a placeholder.
pub fn shown(name: &Option<Name>) -> String {
    let Some(name) = name else {
        return "(unnamed)".to_string();
    };
    let Some(schema) = &name.schema else {
        return quote_ident(&name.name);
    };
    let mut shown = String::with_capacity(schema.len() + name.name.len() + 5);
    push_quoted_ident(&mut shown, schema);
    shown.push('.');
    push_quoted_ident(&mut shown, &name.name);
    shown
}
