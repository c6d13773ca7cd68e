//! Reading the file in one pass over its YAML events. The top-level keys are read as small
//! node trees; under `tables:` each table is grown into its own tree, read by serde (`de`),
//! converted with its positions looked up in that tree, and dropped before the next table is
//! read, so that a large file never holds more than one table's tree. What spans tables (the
//! foreign key targets) is checked at the end, from the model and the few places kept aside.
//!
//! The order errors come in is the file's: YAML errors (syntax, nesting, a key twice, a value
//! of the wrong shape) stop the read where they are found and come before any error of
//! meaning (a bad type, an undeclared reference), which is kept and reported once the file is
//! known to be well formed.

use std::collections::HashSet;

use miette::NamedSource;
use yaml_rust2::parser::Event;
use yaml_rust2::scanner::Marker;

use super::convert::{span_of, Builder};
use super::de::{from_node, ShapeError};
use super::doc::{FileDoc, Ordered, TableDoc};
use super::error::{DeclaredError, InvalidKind};
use super::node::{written_twice, EventError, Events, Kind, Node, Place, Where};
use super::validate::FkAt;
use super::Declared;
use crate::model::QualifiedName;

/// Validates `source`; `name` is how diagnostics call the file.
pub(super) fn validate(name: &str, source: &str) -> Result<Declared, DeclaredError> {
    let mut pass = Pass::new(name, source, None);
    let first = pass.run()?;
    match first {
        Outcome::Done(declared) => Ok(declared),
        // `schema:` or `enums:` came after tables that needed them: once more, knowing them.
        Outcome::Again(header) => {
            let mut again = Pass::new(name, source, Some(header));
            match again.run()? {
                Outcome::Done(declared) => Ok(declared),
                Outcome::Again(_) => Err(yaml_error(
                    name,
                    source,
                    "the file could not be read".into(),
                    None,
                    Place::default(),
                )),
            }
        }
    }
}

enum Outcome {
    Done(Declared),
    /// The header as the whole file writes it, for a second pass.
    Again(Node),
}

/// The tables read so far, converted against the header known when `tables:` began.
struct Tables {
    declared: Declared,
    keys: HashSet<String>,
    relation_names: HashSet<(String, String)>,
    foreign_keys: Vec<(QualifiedName, Vec<FkAt>)>,
}

struct Pass<'a> {
    name: &'a str,
    source: &'a str,
    events: Events<'a>,
    /// The top-level mapping without `tables:`.
    header: Node,
    /// The header of a first pass, when this is the second.
    preset: Option<Node>,
    tables: Option<Tables>,
    /// `schema:` or `enums:` written after `tables:`.
    header_after_tables: bool,
    /// The first error of meaning; YAML errors still come first.
    meaning: Option<DeclaredError>,
}

impl<'a> Pass<'a> {
    fn new(name: &'a str, source: &'a str, preset: Option<Node>) -> Pass<'a> {
        Pass {
            name,
            source,
            events: Events::new(source),
            header: Node {
                kind: Kind::Map(Vec::new()),
                at: Place::default(),
            },
            preset,
            tables: None,
            header_after_tables: false,
            meaning: None,
        }
    }

    fn next(&mut self) -> Result<(Event, Marker), DeclaredError> {
        self.events.next().map_err(|e| self.event_error(e))
    }

    fn event_error(&self, error: EventError) -> DeclaredError {
        let span = match error.at {
            Where::Byte(offset) => (offset, 1),
            Where::Place(place) => span_of(self.source, place),
        };
        let kind = if error.duplicate {
            InvalidKind::Duplicate
        } else {
            InvalidKind::Yaml
        };
        DeclaredError::invalid(
            kind,
            error.message,
            error.help,
            NamedSource::new(self.name, self.source.to_string()),
            span.into(),
        )
    }

    fn shape_error(&self, error: ShapeError) -> DeclaredError {
        let help = shape_help(&error.message);
        let at = error.at.unwrap_or_default();
        yaml_error(self.name, self.source, error.message(), help, at)
    }

    fn run(&mut self) -> Result<Outcome, DeclaredError> {
        let mut event = self.next()?;
        if matches!(event.0, Event::StreamStart) {
            event = self.next()?;
        }
        if matches!(event.0, Event::DocumentStart) {
            let root = self.next()?;
            match root.0 {
                Event::MappingStart(..) => self.root_mapping(root.1)?,
                _ => {
                    let node = self.events.grow(root, 0).map_err(|e| self.event_error(e))?;
                    self.header = node;
                }
            }
            event = self.next()?;
            if matches!(event.0, Event::DocumentEnd) {
                event = self.next()?;
            }
            if matches!(event.0, Event::DocumentStart) {
                return Err(yaml_error(
                    self.name,
                    self.source,
                    "deserializing from YAML containing more than one document is not supported"
                        .into(),
                    Some("schema.yaml is one YAML document: remove the `---` line".into()),
                    Place::at_mark(event.1),
                ));
            }
        }
        self.finish()
    }

    /// The top-level mapping, whose `MappingStart` is at `mark`.
    fn root_mapping(&mut self, mark: Marker) -> Result<(), DeclaredError> {
        let mut placed = false;
        self.header.at = Place::at_mark(mark);
        let mut keys: Vec<String> = Vec::new();
        loop {
            let event = self.next()?;
            if matches!(event.0, Event::MappingEnd) {
                return Ok(());
            }
            let key = self
                .events
                .grow(event, 1)
                .map_err(|e| self.event_error(e))?;
            if !placed {
                placed = true;
                self.header.at = key.at;
            }
            if let Some(text) = key.text() {
                if keys.iter().any(|k| k == text) {
                    return Err(self.event_error(written_twice(text, key.at)));
                }
                keys.push(text.to_string());
            }
            let value = self.next()?;
            if key.text() == Some("tables") && matches!(key.kind, Kind::Scalar { .. }) {
                self.tables_value(value)?;
                continue;
            }
            if self.tables.is_some() && matches!(key.text(), Some("schema" | "enums")) {
                self.header_after_tables = true;
            }
            let value = self
                .events
                .grow(value, 1)
                .map_err(|e| self.event_error(e))?;
            if let Kind::Map(entries) = &mut self.header.kind {
                entries.push((key, value));
            }
        }
    }

    /// The value of `tables:`: a mapping is read one table at a time; anything else is read
    /// whole, for serde to say what is wrong with it (or that it holds no tables).
    fn tables_value(&mut self, first: (Event, Marker)) -> Result<(), DeclaredError> {
        self.start_tables()?;
        if !matches!(first.0, Event::MappingStart(..)) {
            let node = self
                .events
                .grow(first, 1)
                .map_err(|e| self.event_error(e))?;
            from_node::<Ordered<TableDoc>>(&node)
                .map_err(|e| self.shape_error(e.under("tables")))?;
            return Ok(());
        }
        loop {
            let event = self.next()?;
            if matches!(event.0, Event::MappingEnd) {
                return Ok(());
            }
            let key = self
                .events
                .grow(event, 2)
                .map_err(|e| self.event_error(e))?;
            let value = self.next()?;
            let value = self
                .events
                .grow(value, 2)
                .map_err(|e| self.event_error(e))?;
            self.table(&key, &value)?;
        }
    }

    /// `tables:` begins: the header so far (or the first pass's) is what the tables are
    /// converted against.
    fn start_tables(&mut self) -> Result<(), DeclaredError> {
        let header = self.preset.as_ref().unwrap_or(&self.header);
        let doc: FileDoc = from_node(header).map_err(|e| self.shape_error(e))?;
        let builder = Builder {
            name: self.name,
            source: self.source,
            header: Some(header),
            table: None,
        };
        let declared = match builder.header(&doc) {
            Ok(declared) => declared,
            Err(error) => {
                self.meaning.get_or_insert(error);
                builder.empty_header()
            }
        };
        self.tables = Some(Tables {
            declared,
            keys: HashSet::new(),
            relation_names: HashSet::new(),
            foreign_keys: Vec::new(),
        });
        Ok(())
    }

    /// One table: read by serde, then (unless an error of meaning came before) converted.
    fn table(&mut self, key: &Node, value: &Node) -> Result<(), DeclaredError> {
        let text: String = from_node(key).map_err(|e| self.shape_error(e.under("tables")))?;
        let doc: TableDoc =
            from_node(value).map_err(|e| self.shape_error(e.under(&text).under("tables")))?;
        let fresh = self.tables.as_mut().map(|t| t.keys.insert(text.clone()));
        if fresh == Some(false) {
            return Err(self.event_error(written_twice(&text, key.at)));
        }
        if self.meaning.is_some() {
            return Ok(());
        }
        let Some(tables) = self.tables.as_mut() else {
            return Ok(());
        };
        let builder = Builder {
            name: self.name,
            source: self.source,
            header: self.preset.as_ref().or(Some(&self.header)),
            table: Some((key, value)),
        };
        let converted = builder
            .add_table(&mut tables.declared, &text, &doc)
            .and_then(|name| {
                builder.check_names(&text, &doc, &name, &mut tables.relation_names)?;
                Ok(name)
            });
        match converted {
            Ok(name) => {
                let places = builder.foreign_key_places(&text, &doc);
                if !places.is_empty() {
                    tables.foreign_keys.push((name, places));
                }
            }
            Err(error) => self.meaning = Some(error),
        }
        Ok(())
    }

    /// The whole file is read: the header as written, then the errors of meaning, then the
    /// checks across tables.
    fn finish(&mut self) -> Result<Outcome, DeclaredError> {
        if self.header_after_tables && self.preset.is_none() {
            return Ok(Outcome::Again(std::mem::replace(
                &mut self.header,
                Node::null(Place::default()),
            )));
        }
        let doc: FileDoc = from_node(&self.header).map_err(|e| self.shape_error(e))?;
        if doc.version.is_none() {
            return Err(yaml_error(
                self.name,
                self.source,
                "missing field `version`".into(),
                Some("schema.yaml starts with `version: 1`".into()),
                self.header.at,
            ));
        }
        let builder = Builder {
            name: self.name,
            source: self.source,
            header: Some(&self.header),
            table: None,
        };
        let header = builder.header(&doc)?;
        if let Some(error) = self.meaning.take() {
            return Err(error);
        }
        let Some(tables) = self.tables.take() else {
            builder.check_sequence_owners(&doc, &header)?;
            return Ok(Outcome::Done(header));
        };
        let mut declared = tables.declared;
        builder.check_foreign_keys(&declared.schema, &tables.foreign_keys)?;
        declared.ignore = header.ignore;
        // The sequences as the whole file writes them (`sequences:` may follow `tables:`).
        declared.schema.sequences = header.schema.sequences;
        builder.check_sequence_owners(&doc, &declared)?;
        Ok(Outcome::Done(declared))
    }
}

/// A YAML or shape error at `place`.
fn yaml_error(
    name: &str,
    source: &str,
    message: String,
    help: Option<String>,
    place: Place,
) -> DeclaredError {
    DeclaredError::invalid(
        InvalidKind::Yaml,
        message,
        help,
        NamedSource::new(name, source.to_string()),
        span_of(source, place).into(),
    )
}

/// The help line of a shape error.
fn shape_help(message: &str) -> Option<String> {
    if message.contains("unknown field `") && message.contains(")`") {
        Some("inside `{ }` a comma ends the value in YAML: quote values that contain one, e.g. type: \"numeric(12,2)\"".into())
    } else if message.contains("unknown field") {
        Some("see the schema.yaml format reference in the README for every key".into())
    } else {
        None
    }
}
