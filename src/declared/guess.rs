//! The schemas a file names, guessed from its text before it is read as YAML, so that the
//! catalog read can start while the file is read (the caller compares the guess with what the
//! file declares and reads again when it was wrong). A plainly laid out top-level block (block
//! style, one entry per line at one indentation) is looked at line by line; anything else adds
//! nothing to the guess.

use std::collections::BTreeSet;

use super::convert::split_name;

/// The top-level block `key:` of a block-style file: the byte range of its lines (after the
/// `key:` line) and the byte offsets of its entries (the lines at its first indentation).
/// `None` when the file is not laid out so plainly (flow style, documents markers, directives,
/// complex keys, a value on the `key:` line).
struct Block {
    range: std::ops::Range<usize>,
    entries: Vec<usize>,
}

fn top_level_block(source: &str, key: &str) -> Option<Block> {
    let mut offset = 0;
    let mut block: Option<Block> = None;
    let mut indent: Option<usize> = None;
    for raw in source.split_inclusive('\n') {
        let start = offset;
        offset += raw.len();
        let line = raw.trim_end_matches(['\n', '\r']);
        if line.starts_with("---") || line.starts_with("...") || line.starts_with('%') {
            return None;
        }
        let trimmed = line.trim_start_matches(' ');
        let blank = trimmed.is_empty() || trimmed.starts_with('#');
        match &mut block {
            None => {
                if let Some(rest) = line.strip_prefix(key).and_then(|r| r.strip_prefix(':')) {
                    let rest = rest.trim();
                    if !(rest.is_empty() || rest.starts_with('#')) {
                        return None;
                    }
                    block = Some(Block {
                        range: offset..offset,
                        entries: Vec::new(),
                    });
                }
            }
            Some(found) => {
                if blank {
                    found.range.end = offset;
                    continue;
                }
                let depth = line.len() - trimmed.len();
                if depth == 0 {
                    break;
                }
                let n = *indent.get_or_insert(depth);
                if depth < n || trimmed.starts_with('\t') {
                    return None;
                }
                if depth == n {
                    if trimmed.starts_with(['-', '?', '{', '[', '&', '!', '*']) {
                        return None;
                    }
                    found.entries.push(start);
                }
                found.range.end = offset;
            }
        }
    }
    block
}

/// The schemas a file most likely declares anything in, from a look at its text (the default
/// `schema:`, qualified table and enum keys), without reading it as YAML: lets the catalog read
/// start while the file is read. The caller must compare with [`Declared::schemas`].
pub fn guess_schemas(source: &str) -> Vec<String> {
    let mut schemas: BTreeSet<String> = BTreeSet::new();
    let default_schema = source
        .lines()
        .find_map(|line| line.strip_prefix("schema:"))
        .map(|value| unquote(value.split(" #").next().unwrap_or("").trim()))
        .filter(|value| !value.is_empty())
        .unwrap_or_else(|| "public".to_string());
    for key in ["tables", "enums"] {
        let Some(block) = top_level_block(source, key) else {
            continue;
        };
        for &start in &block.entries {
            if let Some(Ok(parts)) = entry_key(source, start).map(|k| split_name(&k)) {
                if parts.len() == 2 {
                    schemas.insert(parts[0].clone());
                }
            }
        }
    }
    schemas.insert(default_schema);
    schemas.into_iter().collect()
}

/// The key of the block entry whose line starts at `start`, read from the text alone (a guess:
/// the caller confirms it when it matters).
fn entry_key(source: &str, start: usize) -> Option<String> {
    let line = source[start..].lines().next().unwrap_or("").trim();
    match line.rfind(':') {
        Some(_) if line.starts_with(['\'', '"']) => {
            let quote = &line[..1];
            line[1..]
                .find(&format!("{quote}:"))
                .map(|end| unquote(&line[..end + 2]))
        }
        _ => line.find(':').map(|end| line[..end].to_string()),
    }
}

/// A YAML scalar as written on one line, without its quotes.
fn unquote(text: &str) -> String {
    if let Some(inner) = text.strip_prefix('\'').and_then(|t| t.strip_suffix('\'')) {
        inner.replace("\'\'", "\'")
    } else if let Some(inner) = text.strip_prefix('"').and_then(|t| t.strip_suffix('"')) {
        inner.to_string()
    } else {
        text.to_string()
    }
}
