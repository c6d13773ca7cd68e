//! Reading the file: TOML with the span of every key and value (`toml::de::DeTable`), walked
//! section by section against the key table. The first problem in file order is reported, at
//! its key or value.

use std::ops::Range;
use std::path::Path;

use toml::de::{DeTable, DeValue};
use toml::Spanned;

use super::error::At;
use super::keys::{self, Kind, SECTIONS};
use super::{ConfigError, Entry, Value};
use crate::lint::{Category, Rule};

type Table<'i> = DeTable<'i>;

/// The largest configuration file read (a `pyproject.toml` is a few KiB).
const MAX_CONFIG_BYTES: u64 = 4 * 1024 * 1024;

/// The file's text, read up to [`MAX_CONFIG_BYTES`] (`--config /dev/zero` is an error, not a
/// runaway).
pub(super) fn text(path: &Path) -> Result<String, ConfigError> {
    use crate::input::{mib, read_file, Unread};
    let read_error = |source| ConfigError::Read {
        path: path.to_path_buf(),
        source,
    };
    let bytes = read_file(path, MAX_CONFIG_BYTES).map_err(|unread| match unread {
        Unread::Io(source) => read_error(source),
        Unread::TooLarge => ConfigError::TooLarge {
            path: path.to_path_buf(),
            limit_mib: mib(MAX_CONFIG_BYTES),
        },
    })?;
    String::from_utf8(bytes)
        .map_err(|e| read_error(std::io::Error::new(std::io::ErrorKind::InvalidData, e)))
}

/// Whether a `pyproject.toml` has a `[tool.driftlint]` table (or dotted keys under it): the
/// table is parsed properly by [`entries`]; this only decides whether to look.
pub(super) fn mentions_table(text: &str) -> bool {
    match DeTable::parse(text) {
        Ok(root) => tool_table(root.get_ref()).is_some(),
        Err(_) => text.contains("tool.driftlint"),
    }
}

fn tool_table<'a, 'i>(root: &'a Table<'i>) -> Option<&'a Spanned<DeValue<'i>>> {
    let tool = lookup(root, "tool")?;
    let DeValue::Table(tool) = tool.get_ref() else {
        return None;
    };
    lookup(tool, "driftlint")
}

fn lookup<'a, 'i>(table: &'a Table<'i>, name: &str) -> Option<&'a Spanned<DeValue<'i>>> {
    table
        .iter()
        .find(|(k, _)| k.get_ref().as_ref() == name)
        .map(|(_, v)| v)
}

/// The file's entries, validated.
pub(super) fn entries(path: &Path, text: &str, pyproject: bool) -> Result<Vec<Entry>, ConfigError> {
    let at = At { path, text };
    let root = DeTable::parse(text).map_err(|error| {
        let span = error.span().unwrap_or(0..0);
        at.error(
            span,
            format!("invalid TOML: {}", error.message().trim()),
            "here",
            Some("fix the syntax; see docs/configuration.md for the format".to_string()),
        )
    })?;
    let root = root.get_ref();
    let settings: &Table = if pyproject {
        match tool_table(root) {
            Some(value) => match value.get_ref() {
                DeValue::Table(table) => table,
                _ => {
                    return Err(wrong_type(&at, value.span(), "tool.driftlint", "a table"));
                }
            },
            None => {
                return Err(ConfigError::NoTable {
                    path: path.to_path_buf(),
                })
            }
        }
    } else {
        root
    };
    let mut entries = Vec::new();
    for (name, value) in in_file_order(settings) {
        let Some(section) = SECTIONS.iter().copied().find(|s| s == name.get_ref()) else {
            let hint =
                keys::closest(name.get_ref(), SECTIONS).map(|s| format!("did you mean [{s}]?"));
            let message = format!("unknown section `{}`", name.get_ref());
            let help = hint.or_else(|| Some(format!("the sections are {}", list(&SECTIONS))));
            return Err(at.error(name.span(), message, "unknown section", help));
        };
        let DeValue::Table(table) = value.get_ref() else {
            return Err(wrong_type(&at, value.span(), section, "a table"));
        };
        section_entries(&at, section, table, &mut entries)?;
    }
    Ok(entries)
}

/// A table's keys and values, sorted by their place in the file.
fn in_file_order<'a, 'i>(
    table: &'a Table<'i>,
) -> Vec<(Spanned<&'a str>, &'a Spanned<DeValue<'i>>)> {
    let mut items: Vec<_> = table
        .iter()
        .map(|(k, v)| (Spanned::new(k.span(), k.get_ref().as_ref()), v))
        .collect();
    items.sort_by_key(|(k, _)| k.span().start);
    items
}

fn section_entries(
    at: &At,
    section: &'static str,
    table: &Table,
    entries: &mut Vec<Entry>,
) -> Result<(), ConfigError> {
    for (name, value) in in_file_order(table) {
        let Some(key) = keys::find(section, name.get_ref()) else {
            return Err(unknown_key(at, section, &name));
        };
        let parsed = convert(at, key.name, key.kind, value)?;
        entries.push(Entry {
            section,
            key: key.name,
            value: parsed,
            line: line_of(at.text, name.span().start),
        });
    }
    Ok(())
}

fn unknown_key(at: &At, section: &str, name: &Spanned<&str>) -> ConfigError {
    let typo = *name.get_ref();
    let here = keys::KEYS.iter().filter(|k| k.section == section);
    let message = match keys::closest(typo, here.clone().map(|k| k.name)) {
        Some(known) => format!("unknown key `{typo}` in [{section}]; did you mean `{known}`?"),
        None => format!("unknown key `{typo}` in [{section}]"),
    };
    let elsewhere: Vec<&str> = keys::KEYS
        .iter()
        .filter(|k| k.name == typo && k.section != section)
        .map(|k| k.section)
        .collect();
    let help = if elsewhere.is_empty() {
        let names: Vec<&str> = here.map(|k| k.name).collect();
        format!("the keys of [{section}] are {}", list(&names))
    } else {
        format!("`{typo}` belongs in [{}]", elsewhere.join("] or ["))
    };
    at.error(name.span(), message, "unknown key", Some(help))
}

/// 1-based line of a byte offset.
pub(super) fn line_of(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())]
        .iter()
        .filter(|b| **b == b'\n')
        .count()
        + 1
}

fn list(names: &[&str]) -> String {
    names
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn wrong_type(at: &At, span: Range<usize>, what: &str, expected: &str) -> ConfigError {
    at.error(
        span,
        format!("`{what}` must be {expected}"),
        &format!("expected {expected}"),
        None,
    )
}

/// One value, checked against its key's kind.
fn convert(
    at: &At,
    name: &str,
    kind: Kind,
    value: &Spanned<DeValue>,
) -> Result<Value, ConfigError> {
    let span = value.span();
    let fail = |expected: &str| {
        at.error(
            span.clone(),
            format!(
                "`{name}` must be {expected}, found {}",
                value.get_ref().type_str()
            ),
            &format!("expected {expected}"),
            None,
        )
    };
    match kind {
        Kind::Text | Kind::Path | Kind::Program => text_of(value)
            .map(Value::Text)
            .ok_or_else(|| fail("a string")),
        Kind::Flag => match value.get_ref() {
            DeValue::Boolean(b) => Ok(Value::Flag(*b)),
            _ => Err(fail("true or false")),
        },
        Kind::Seconds => match number_of(value) {
            Some(n) if n >= 1 => Ok(Value::Number(n)),
            Some(_) => Err(invalid(at, span, "the timeout must be at least 1 second")),
            None => Err(fail("a whole number of seconds")),
        },
        Kind::Count => match number_of(value) {
            Some(n) if n >= 0 => Ok(Value::Number(n)),
            Some(_) => Err(invalid(at, span, "the number must be 0 or more")),
            None => Err(fail("a whole number")),
        },
        Kind::PgVersion => match number_of(value) {
            Some(n) if (13..=18).contains(&n) => Ok(Value::Number(n)),
            Some(n) => Err(invalid(
                at,
                span,
                &format!("PostgreSQL {n} is not supported: pg-version must be 13 to 18"),
            )),
            None => Err(fail("a PostgreSQL major version (13 to 18)")),
        },
        Kind::Choice(choices) => {
            let text = text_of(value).ok_or_else(|| fail("a string"))?;
            if choices.contains(&text.as_str()) {
                Ok(Value::Text(text))
            } else {
                Err(not_one_of(at, span, &text, choices))
            }
        }
        Kind::LockTimeout => {
            let text = text_of(value).ok_or_else(|| fail("a duration such as \"5s\""))?;
            crate::repair::check_lock_timeout(&text).map_err(|_| {
                invalid(at, span, &format!("`{text}` is not a lock_timeout: write a number with us, ms, s, min, h or d"))
            })?;
            Ok(Value::Text(text))
        }
        Kind::Paths => match text_of(value) {
            Some(one) => Ok(Value::Texts(vec![one])),
            None => texts_of(at, value)
                .map(Value::Texts)
                .map_err(|_| fail("a path or a list of paths")),
        },
        Kind::Names => texts_of(at, value).map(Value::Texts),
        Kind::Globs => {
            let globs = spanned_texts(at, value)?;
            for (glob, span) in &globs {
                check_glob(at, span.clone(), glob)?;
            }
            Ok(Value::Texts(globs.into_iter().map(|(g, _)| g).collect()))
        }
        Kind::Rules => rules_of(at, value).map(Value::Texts),
        Kind::Severities => severities(at, value),
        Kind::FileIgnores => file_ignores(at, value),
    }
}

fn invalid(at: &At, span: Range<usize>, message: &str) -> ConfigError {
    at.error(span, message.to_string(), "invalid value", None)
}

fn not_one_of(at: &At, span: Range<usize>, text: &str, choices: &[&str]) -> ConfigError {
    let hint = keys::closest(text, choices.iter().copied());
    at.error(
        span,
        match hint {
            Some(h) => format!(
                "`{text}` is not one of {}; did you mean `{h}`?",
                list(choices)
            ),
            None => format!("`{text}` is not one of {}", list(choices)),
        },
        "unknown value",
        None,
    )
}

fn text_of(value: &Spanned<DeValue>) -> Option<String> {
    match value.get_ref() {
        DeValue::String(s) => Some(s.to_string()),
        _ => None,
    }
}

fn number_of(value: &Spanned<DeValue>) -> Option<i64> {
    match value.get_ref() {
        DeValue::Integer(n) => i64::from_str_radix(n.as_str(), n.radix()).ok(),
        _ => None,
    }
}

fn texts_of(at: &At, value: &Spanned<DeValue>) -> Result<Vec<String>, ConfigError> {
    spanned_texts(at, value).map(|v| v.into_iter().map(|(t, _)| t).collect())
}

/// A list of strings, each with its span.
fn spanned_texts(
    at: &At,
    value: &Spanned<DeValue>,
) -> Result<Vec<(String, Range<usize>)>, ConfigError> {
    let DeValue::Array(items) = value.get_ref() else {
        return Err(at.error(
            value.span(),
            format!(
                "expected a list of strings, found {}",
                value.get_ref().type_str()
            ),
            "expected a list",
            Some("write it as [\"a\", \"b\"]".to_string()),
        ));
    };
    items
        .iter()
        .map(|item| {
            text_of(item).map(|t| (t, item.span())).ok_or_else(|| {
                at.error(
                    item.span(),
                    format!("expected a string, found {}", item.get_ref().type_str()),
                    "expected a string",
                    None,
                )
            })
        })
        .collect()
}

fn check_glob(at: &At, span: Range<usize>, glob: &str) -> Result<(), ConfigError> {
    globset::Glob::new(glob).map(|_| ()).map_err(|error| {
        invalid(
            at,
            span,
            &format!("`{glob}` is not a valid glob: {}", error.kind()),
        )
    })
}

/// A list of rule names or categories (or `all`), each known.
fn rules_of(at: &At, value: &Spanned<DeValue>) -> Result<Vec<String>, ConfigError> {
    let names = spanned_texts(at, value)?;
    for (name, span) in &names {
        check_rule(at, span.clone(), name, true)?;
    }
    Ok(names.into_iter().map(|(n, _)| n).collect())
}

fn check_rule(
    at: &At,
    span: Range<usize>,
    name: &str,
    categories: bool,
) -> Result<(), ConfigError> {
    let known = Rule::from_name(name).is_some()
        || (categories && (Category::from_name(name).is_some() || name == "all"));
    if known {
        return Ok(());
    }
    let hint = keys::closest(name, Rule::all().iter().map(|r| r.name()));
    let message = match hint {
        Some(h) => format!("unknown rule `{name}`; did you mean `{h}`?"),
        None => format!("unknown rule `{name}`"),
    };
    Err(at.error(
        span,
        message,
        "unknown rule",
        Some("`driftlint rules` lists the rules".to_string()),
    ))
}

/// A table of `rule = "severity"`.
fn severities(at: &At, value: &Spanned<DeValue>) -> Result<Value, ConfigError> {
    let DeValue::Table(table) = value.get_ref() else {
        return Err(wrong_type(
            at,
            value.span(),
            "severity",
            "a table of rule = \"error\"",
        ));
    };
    let mut out = Vec::new();
    for (rule, level) in in_file_order(table) {
        check_rule(at, rule.span(), rule.get_ref(), false)?;
        let choices = &["error", "warning", "info", "off"];
        let text = text_of(level)
            .ok_or_else(|| wrong_type(at, level.span(), rule.get_ref(), "a severity string"))?;
        if !choices.contains(&text.as_str()) {
            return Err(not_one_of(at, level.span(), &text, choices));
        }
        out.push((rule.get_ref().to_string(), text));
    }
    Ok(Value::Severities(out))
}

/// A table of `"glob" = ["rule", ...]`.
fn file_ignores(at: &At, value: &Spanned<DeValue>) -> Result<Value, ConfigError> {
    let DeValue::Table(table) = value.get_ref() else {
        return Err(wrong_type(
            at,
            value.span(),
            "per-file-ignores",
            "a table of \"glob\" = [\"rule\"]",
        ));
    };
    let mut out = Vec::new();
    for (glob, rules) in in_file_order(table) {
        check_glob(at, glob.span(), glob.get_ref())?;
        out.push((glob.get_ref().to_string(), rules_of(at, rules)?));
    }
    Ok(Value::FileIgnores(out))
}
