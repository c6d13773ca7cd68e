//! Reading the file: serde reads the documents (in parts when the file allows, see `parts`)
//! while the locator records where everything is written, on another thread; the documents are
//! then converted. Without positions serde reads alone, and any failure sends the caller to the
//! read with positions, which says where. YAML and shape errors are turned into diagnostics here.

use std::collections::HashSet;

use miette::NamedSource;

use super::convert::Builder;
use super::doc::{FileDoc, Ordered, TableDoc};
use super::error::{DeclaredError, InvalidKind};
use super::locate::{LineIndex, Locator};
use super::parts::{cut_tables, read_in_parts};
use super::{Declared, Positions};

/// Validates `source`, with or without positions; `name` is how diagnostics call the file.
pub(super) fn validate_with(
    name: &str,
    source: &str,
    positions: Positions,
) -> Result<Declared, DeclaredError> {
    match positions {
        Positions::Skip => validate_quickly(name, source),
        Positions::Read => None,
    }
    .map_or_else(|| validate(name, source), Ok)
}

/// The file read by serde alone, with no positions: `None` when anything is wrong with it, for
/// the caller to read it again with the locator, which says exactly where.
fn validate_quickly(name: &str, source: &str) -> Option<Declared> {
    let builder = Builder {
        name,
        source,
        locator: None,
        line_starts: &[],
    };
    let Some((doc, block)) = cut_tables(source) else {
        let doc = serde_yaml_ng::from_str::<FileDoc>(source).ok()?;
        return builder.convert(&doc).ok();
    };
    // Each part is converted as soon as it is read, so that the serde form of only one part
    // is held at a time; what the cross-table checks need is kept aside.
    let mut declared = builder.header(&doc).ok()?;
    let mut relation_names = HashSet::new();
    let mut keys: Vec<String> = Vec::new();
    for (_, part) in block.parts(source) {
        let part = serde_yaml_ng::from_str::<Ordered<TableDoc>>(part).ok()?;
        builder
            .add_tables(&mut declared, &part.0)
            .and_then(|()| {
                builder.check_names(&part.0, &declared.default_schema, &mut relation_names)
            })
            .ok()?;
        keys.extend(part.0.into_iter().map(|(key, _)| key));
    }
    let tables = keys.iter().map(|key| (key.as_str(), None));
    builder
        .check_foreign_keys(&declared.schema, tables, &declared.default_schema)
        .ok()?;
    Some(declared)
}

/// [`parse`] without keeping a copy of the text (the caller sets `source`).
fn validate(name: &str, source: &str) -> Result<Declared, DeclaredError> {
    let lines = LineIndex::new(source);
    // Both passes read the same text; on a large file they run side by side. serde reads the
    // tables in parts when it can (see `read_in_parts`); the locator, which reads the whole file,
    // confirms the parts hold exactly the tables the file has, else serde reads the whole file.
    let (doc, located) = std::thread::scope(|scope| {
        let locating = scope.spawn(|| Locator::build(source, &lines, false));
        let parts = read_in_parts(source);
        let located = locating
            .join()
            .unwrap_or_else(|_| Err(("the YAML could not be read".to_string(), 0)));
        let confirmed = match (parts, &located) {
            (Some(doc), Ok(locator))
                if doc.tables.0.len() == locator.table_keys.len()
                    && doc
                        .tables
                        .0
                        .iter()
                        .zip(&locator.table_keys)
                        .all(|((key, _), located)| key == located) =>
            {
                Some(doc)
            }
            _ => None,
        };
        let doc = match confirmed {
            Some(doc) => Ok(doc),
            None => serde_yaml_ng::from_str::<FileDoc>(source),
        };
        (doc, located)
    });
    // A key written twice is reported as such, before what serde makes of it.
    if let Ok(Locator { duplicates, .. }) = &located {
        if let Some((key, span)) = duplicates.first() {
            return Err(DeclaredError::invalid(
                InvalidKind::Duplicate,
                format!("the key `{key}` is written twice"),
                Some("each key may appear once per mapping".into()),
                NamedSource::new(name, source.to_string()),
                (*span).into(),
            ));
        }
    }
    let doc: FileDoc = match doc {
        Ok(doc) => doc,
        Err(error) => return Err(shape_error(name, source, &lines, &error)),
    };
    let locator = located.map_err(|(message, offset)| {
        DeclaredError::invalid(
            InvalidKind::Yaml,
            message,
            None,
            NamedSource::new(name, source.to_string()),
            (offset, 1).into(),
        )
    })?;
    let builder = Builder {
        name,
        source,
        locator: Some(&locator),
        line_starts: &lines.starts,
    };
    match builder.convert(&doc) {
        Ok(declared) => Ok(declared),
        Err(_) => {
            // The first pass located only what a valid file needs; locate everything to point
            // the error at its exact key or value.
            let full = Locator::build(source, &lines, true).unwrap_or_default();
            let builder = Builder {
                name,
                source,
                locator: Some(&full),
                line_starts: &lines.starts,
            };
            builder.convert(&doc)
        }
    }
}

/// A serde error (YAML syntax, an unknown key, a value of the wrong shape) as a diagnostic.
fn shape_error(
    name: &str,
    source: &str,
    lines: &LineIndex<'_>,
    error: &serde_yaml_ng::Error,
) -> DeclaredError {
    let offset = error
        .location()
        .map(|l| lines.offset(l.line(), l.column().saturating_sub(1)))
        .unwrap_or(0);
    let message = error.to_string();
    // serde_yaml_ng appends " at line N column M"; the label says where.
    let message = match message.find(" at line ") {
        Some(i) => message[..i].to_string(),
        None => message,
    };
    // An unknown key of a column is reported at its mapping: point at the key itself.
    let offset = unknown_field(&message)
        .and_then(|key| find_key(source, offset, key))
        .unwrap_or(offset);
    let help = if message.contains("unknown field `") && message.contains(")`") {
        Some("inside `{ }` a comma ends the value in YAML: quote values that contain one, e.g. type: \"numeric(12,2)\"".into())
    } else if message.contains("unknown field") {
        Some("see the schema.yaml format reference in the README for every key".into())
    } else {
        None
    };
    DeclaredError::invalid(
        InvalidKind::Yaml,
        message,
        help,
        NamedSource::new(name, source.to_string()),
        (offset, 1).into(),
    )
}

/// The key of an "unknown field `key`" message.
fn unknown_field(message: &str) -> Option<&str> {
    let rest = &message[message.find("unknown field `")? + "unknown field `".len()..];
    Some(&rest[..rest.find('`')?])
}

/// The first place at or after `from` where `key` is written as a mapping key.
fn find_key(source: &str, from: usize, key: &str) -> Option<usize> {
    let mut at = from.min(source.len());
    while let Some(found) = source[at..].find(key) {
        let start = at + found;
        let before = source[..start].chars().next_back();
        let after = source[start + key.len()..]
            .trim_start_matches(' ')
            .chars()
            .next();
        let starts_word = before.is_none_or(|c| matches!(c, ' ' | '{' | ',' | '\n' | '\t'));
        if starts_word && matches!(after, Some(':' | ',' | '}') | None) {
            return Some(start);
        }
        at = start + key.len().max(1);
    }
    None
}
