//! Reading a large file in parts. A plainly laid out `tables:` block (block style, one entry per
//! line at one indentation) is cut at table boundaries found in the text, so that serde holds the
//! parse events of only one part at a time; the same cut lets [`positions_for`] read again only
//! the parts that hold the tables with drift, and [`guess_schemas`] name the schemas before the
//! file is read. Anything not laid out so plainly is left to a whole read.

use std::collections::BTreeSet;

use super::convert::{path, split_name, Builder};
use super::doc::{duplicate_key, FileDoc, Ordered, TableDoc};
use super::locate::{LineIndex, Locator};
use super::Declared;
use crate::model::{QualifiedName, Schema};

/// Tables per part when serde reads the `tables:` mapping in parts.
pub(super) const TABLES_PER_PART: usize = 200;

/// The top-level block `key:` of a block-style file: the byte range of its lines (after the
/// `key:` line) and the byte offsets of its entries (the lines at its first indentation).
/// `None` when the file is not laid out so plainly (flow style, documents markers, directives,
/// complex keys, a value on the `key:` line).
pub(super) struct Block {
    pub(super) range: std::ops::Range<usize>,
    pub(super) entries: Vec<usize>,
}

pub(super) fn top_level_block(source: &str, key: &str) -> Option<Block> {
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

/// The file as serde reads it, with the `tables:` mapping read in parts (one after the other,
/// so that the parse events of only one part are held at a time; in parallel the parts cost
/// more memory for no gain, as the locator and the catalog read already take the other core). `None` when the file is not
/// plain enough to be cut or a part does not read on its own; the caller then reads the whole
/// file, and confirms the parts against the tables the whole file holds.
pub(super) fn read_in_parts(source: &str) -> Option<FileDoc> {
    let (mut doc, block) = cut_tables(source)?;
    let parts: Vec<Ordered<TableDoc>> = block
        .parts(source)
        .map(|(_, part)| serde_yaml_ng::from_str::<Ordered<TableDoc>>(part).ok())
        .collect::<Option<_>>()?;
    doc.tables.0 = parts.into_iter().flat_map(|part| part.0).collect();
    // A table written twice, in two parts: the whole file says where.
    if duplicate_key(&doc.tables.0).is_some() {
        return None;
    }
    Some(doc)
}

/// The file without its `tables:` block, read by serde, and that block. `None` when the file is
/// not plain enough to be cut.
pub(super) fn cut_tables(source: &str) -> Option<(FileDoc, Block)> {
    let block = top_level_block(source, "tables")?;
    let mut rest = String::with_capacity(source.len() - block.range.len());
    rest.push_str(&source[..block.range.start]);
    rest.push_str(&source[block.range.end..]);
    let doc = serde_yaml_ng::from_str::<FileDoc>(&rest).ok()?;
    if !doc.tables.0.is_empty() {
        return None;
    }
    Some((doc, block))
}

impl Block {
    /// The texts of the block's parts: mappings of [`TABLES_PER_PART`] entries each, with the
    /// byte offset each starts at.
    pub(super) fn parts<'s>(&self, source: &'s str) -> impl Iterator<Item = (usize, &'s str)> {
        let mut bounds: Vec<usize> = self
            .entries
            .iter()
            .copied()
            .step_by(TABLES_PER_PART)
            .collect();
        bounds.push(self.range.end);
        (1..bounds.len()).map(move |i| (bounds[i - 1], &source[bounds[i - 1]..bounds[i]]))
    }
}

/// The tables `names` of a file read without positions, as written and with their positions
/// (with every enum): only the parts of the file that hold them are read again, so that a drift
/// report on a large file costs about what the comparison did. `None` when the file is not laid
/// out plainly enough to be cut or a table is not where its key said; [`super::from_text`] then.
pub fn positions_for(declared: &Declared, names: &BTreeSet<QualifiedName>) -> Option<Schema> {
    let source = declared.source.as_str();
    let default_schema = declared.default_schema.as_str();
    let (doc, block) = cut_tables(source)?;
    let mut locator = Locator::default();
    for (start, end) in [(0, block.range.start), (block.range.end, source.len())] {
        locator.absorb(Locator::build_piece(&source[start..end], start, false)?);
    }
    // A part is read again when the key on one of its entries' lines names a wanted table, or
    // cannot be read from the line.
    let named = |start: usize| {
        let parts = entry_key(source, start).and_then(|key| split_name(&key).ok());
        match parts.as_deref() {
            Some([name]) => names.contains(&QualifiedName::new(default_schema, name.clone())),
            Some([schema, name]) => {
                names.contains(&QualifiedName::new(schema.clone(), name.clone()))
            }
            _ => true,
        }
    };
    let mut tables: Vec<(String, TableDoc)> = Vec::new();
    for ((start, part), entries) in block
        .parts(source)
        .zip(block.entries.chunks(TABLES_PER_PART))
    {
        if !entries.iter().any(|&entry| named(entry)) {
            continue;
        }
        locator.absorb(Locator::build_piece(part, start, true)?);
        tables.extend(serde_yaml_ng::from_str::<Ordered<TableDoc>>(part).ok()?.0);
    }
    let lines = LineIndex::new(source);
    let name = declared.path.display().to_string();
    let builder = Builder {
        name: &name,
        source,
        locator: Some(&locator),
        line_starts: &lines.starts,
    };
    let mut schema = builder.header(&doc).ok()?.schema;
    for (key, table_doc) in &tables {
        let table_name = builder
            .qualified(key, default_schema, &path(&["tables", key]), "table")
            .ok()?;
        if names.contains(&table_name) {
            let table = builder
                .table(table_name.clone(), key, table_doc, &schema, default_schema)
                .ok()?;
            schema.tables.insert(table_name, table);
        }
    }
    names
        .iter()
        .all(|name| schema.tables.contains_key(name) || schema.enums.contains_key(name))
        .then_some(schema)
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
