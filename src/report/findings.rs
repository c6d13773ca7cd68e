//! Rendering lint findings: human (miette code frames), JSON (version 1, see DESIGN), SARIF 2.1.0
//! and GitHub workflow annotations. Deciding what the findings are is `lint`'s job.
//!
//! A report is written as it is produced, never built in memory: [`Stream::begin`] writes what
//! comes before the findings, [`FileRenderer`] turns each finding of one file into bytes (on any
//! thread, while the file's text is at hand), [`Stream::findings`] writes those bytes in order,
//! and [`Stream::end`] writes the summary. [`write`] renders whole reports the same way; both
//! give the same bytes as serializing the whole document at once.

use std::io::{self, Write};

use miette::{Diagnostic, GraphicalReportHandler, GraphicalTheme, LabeledSpan};
use serde::Serialize;
use serde_json::{json, Value};

use super::frame::{self, Framed};
use super::github::{escape_data, escape_property};
use super::terminal::printable;
use crate::lint::{FileReport, Finding, Format, Rule, Severity, Summary};

/// Write the findings of `reports` in `format`.
pub fn write(
    format: Format,
    reports: &[FileReport],
    summary: &Summary,
    color: bool,
    out: &mut dyn Write,
) -> io::Result<()> {
    let mut buffered = io::BufWriter::with_capacity(1 << 16, out);
    let mut stream = Stream::new(format);
    stream.begin(&mut buffered)?;
    let mut rendered = Vec::new();
    for report in reports {
        let mut renderer = FileRenderer::new(format, &report.name, &report.text, color);
        for finding in &report.findings {
            rendered.clear();
            renderer.render(finding, &mut rendered);
            stream.findings(&rendered, &mut buffered)?;
        }
    }
    stream.end(summary, &mut buffered)?;
    buffered.flush()
}

/// The version-1 JSON document as a value (for tests and callers that want to inspect it).
pub fn json_document(reports: &[FileReport], summary: &Summary) -> Value {
    let mut buffer = Vec::new();
    match write(Format::Json, reports, summary, false, &mut buffer) {
        Ok(()) => serde_json::from_slice(&buffer).unwrap_or(Value::Null),
        Err(_) => Value::Null,
    }
}

// ---------------------------------------------------------------------------------------------
// the document around the findings

/// A report being written: what comes before the findings, the findings as rendered by
/// [`FileRenderer`], and the summary after them.
pub struct Stream {
    format: Format,
    /// JSON and SARIF: the indentation of the findings' array, and whether it has an element.
    indent: usize,
    any: bool,
}

/// Stands for the findings' array in a document serialized without them.
const SLOT: &str = "@findings@";

impl Stream {
    pub fn new(format: Format) -> Stream {
        Stream {
            format,
            indent: 0,
            any: false,
        }
    }

    /// Write what comes before the first finding.
    pub fn begin(&mut self, out: &mut dyn Write) -> io::Result<()> {
        let Some((before, _)) = self.around(&Summary::default()) else {
            return Ok(());
        };
        let last_line = &before[before.rfind('\n').map_or(0, |i| i + 1)..];
        self.indent = last_line.len() - last_line.trim_start_matches(' ').len();
        out.write_all(before.as_bytes())?;
        out.write_all(b"[")
    }

    /// Write rendered findings (one or more, in order).
    pub fn findings(&mut self, rendered: &[u8], out: &mut dyn Write) -> io::Result<()> {
        if rendered.is_empty() {
            return Ok(());
        }
        match self.format {
            Format::Json | Format::Sarif if !self.any => {
                // Each element is rendered with the comma that separates it from the one before.
                self.any = true;
                out.write_all(rendered.strip_prefix(b",").unwrap_or(rendered))
            }
            _ => out.write_all(rendered),
        }
    }

    /// Write what comes after the last finding: the summary.
    pub fn end(&mut self, summary: &Summary, out: &mut dyn Write) -> io::Result<()> {
        if let Some((_, after)) = self.around(summary) {
            if self.any {
                write!(out, "\n{:indent$}]", "", indent = self.indent)?;
            } else {
                out.write_all(b"]")?;
            }
            out.write_all(after.as_bytes())?;
            return writeln!(out);
        }
        match self.format {
            Format::Human => human_summary(summary, out),
            _ => Ok(()),
        }
    }

    /// JSON and SARIF: the document with its findings left out, split where they go.
    fn around(&self, summary: &Summary) -> Option<(String, String)> {
        let document = match self.format {
            Format::Json => serde_json::to_string_pretty(&json_skeleton(summary)),
            Format::Sarif => serde_json::to_string_pretty(&sarif_skeleton()),
            Format::Human | Format::Github => return None,
        };
        let document = document.ok()?;
        let slot = format!("\"{SLOT}\"");
        let at = document.find(&slot)?;
        Some((
            document[..at].to_string(),
            document[at + slot.len()..].to_string(),
        ))
    }
}

// ---------------------------------------------------------------------------------------------
// one file's findings

/// Renders the findings of one file, in order, as the bytes [`Stream::findings`] writes.
pub struct FileRenderer<'a> {
    format: Format,
    name: &'a str,
    text: &'a str,
    handler: Option<GraphicalReportHandler>,
    /// Human: the file as code frames show it, built at its first finding.
    framed: Option<Framed<'a>>,
    /// SARIF: the file's name as an artifact URI.
    uri: std::borrow::Cow<'a, str>,
}

impl<'a> FileRenderer<'a> {
    pub fn new(format: Format, name: &'a str, text: &'a str, color: bool) -> FileRenderer<'a> {
        let handler = (format == Format::Human).then(|| {
            let theme = if color {
                GraphicalTheme::unicode()
            } else {
                GraphicalTheme::unicode_nocolor()
            };
            GraphicalReportHandler::new_themed(theme).with_context_lines(CONTEXT_LINES)
        });
        FileRenderer {
            format,
            name,
            text,
            handler,
            framed: None,
            uri: if format == Format::Sarif {
                sarif_uri(name)
            } else {
                name.into()
            },
        }
    }

    /// Append `finding`, rendered, to `out`.
    pub fn render(&mut self, finding: &Finding, out: &mut Vec<u8>) {
        match self.format {
            Format::Human => self.human(finding, out),
            Format::Json => json_finding(self.name, finding).write(4, out),
            Format::Sarif => element(&sarif_result(&self.uri, finding), 8, out),
            Format::Github => github(self.name, finding, out),
        }
    }
}

/// Append `value` as an element of a pretty-printed array at `indent`, after its comma.
///
/// The element is serialized straight into `out`, already indented: no string of it is built
/// and split again, which made rendering cost more than reading the file.
fn element(value: &impl Serialize, indent: usize, out: &mut Vec<u8>) {
    let start = out.len();
    let nested = Nested::at(indent);
    // Writing to a Vec cannot fail; a value that cannot be serialized leaves nothing.
    let _ = out.write_all(b",").and_then(|()| nested.line(out));
    let mut serializer = serde_json::Serializer::with_formatter(&mut *out, nested);
    if value.serialize(&mut serializer).is_err() {
        out.truncate(start);
    }
}

/// Append `n` spaces.
fn spaces<W: ?Sized + Write>(out: &mut W, mut n: usize) -> io::Result<()> {
    const SPACES: &[u8] = b"                                ";
    while n > 0 {
        let some = n.min(SPACES.len());
        out.write_all(&SPACES[..some])?;
        n -= some;
    }
    Ok(())
}

/// serde_json's pretty layout (two spaces a level, `": "` after a key) for a value that is
/// nested `base` spaces deep in the document: what [`serde_json::ser::PrettyFormatter`] writes,
/// with every line after the first `base` spaces further in. serde_json still writes the
/// scalars and escapes the strings.
struct Nested {
    base: usize,
    depth: usize,
    /// Whether the innermost array or object holds a value (one flag, as PrettyFormatter keeps).
    has_value: bool,
}

impl Nested {
    fn at(base: usize) -> Nested {
        Nested {
            base,
            depth: 0,
            has_value: false,
        }
    }

    /// A line break, and the indentation of the current depth.
    fn line<W: ?Sized + Write>(&self, out: &mut W) -> io::Result<()> {
        out.write_all(b"\n")?;
        spaces(out, self.base + 2 * self.depth)
    }

    fn open<W: ?Sized + Write>(&mut self, out: &mut W, bracket: &[u8]) -> io::Result<()> {
        self.depth += 1;
        self.has_value = false;
        out.write_all(bracket)
    }

    fn close<W: ?Sized + Write>(&mut self, out: &mut W, bracket: &[u8]) -> io::Result<()> {
        self.depth -= 1;
        if self.has_value {
            self.line(out)?;
        }
        out.write_all(bracket)
    }

    /// Before an array element or an object key: the comma after the one before, a new line.
    fn item<W: ?Sized + Write>(&self, out: &mut W, first: bool) -> io::Result<()> {
        if !first {
            out.write_all(b",")?;
        }
        self.line(out)
    }
}

impl serde_json::ser::Formatter for Nested {
    fn begin_array<W: ?Sized + Write>(&mut self, out: &mut W) -> io::Result<()> {
        self.open(out, b"[")
    }

    fn end_array<W: ?Sized + Write>(&mut self, out: &mut W) -> io::Result<()> {
        self.close(out, b"]")
    }

    fn begin_array_value<W: ?Sized + Write>(&mut self, out: &mut W, first: bool) -> io::Result<()> {
        self.item(out, first)
    }

    fn end_array_value<W: ?Sized + Write>(&mut self, _out: &mut W) -> io::Result<()> {
        self.has_value = true;
        Ok(())
    }

    fn begin_object<W: ?Sized + Write>(&mut self, out: &mut W) -> io::Result<()> {
        self.open(out, b"{")
    }

    fn end_object<W: ?Sized + Write>(&mut self, out: &mut W) -> io::Result<()> {
        self.close(out, b"}")
    }

    fn begin_object_key<W: ?Sized + Write>(&mut self, out: &mut W, first: bool) -> io::Result<()> {
        self.item(out, first)
    }

    fn begin_object_value<W: ?Sized + Write>(&mut self, out: &mut W) -> io::Result<()> {
        out.write_all(b": ")
    }

    fn end_object_value<W: ?Sized + Write>(&mut self, _out: &mut W) -> io::Result<()> {
        self.has_value = true;
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------------
// human

/// Lines of context miette shows around a finding.
const CONTEXT_LINES: usize = 1;

/// Longest message or help shown in a human frame (a fix can repeat a whole statement).
const TEXT_LIMIT: usize = 4096;

/// One finding as a miette diagnostic: message, rule as code, help (with the fix), a label on
/// the span. The code frame is a window of the file ([`Framed`]); message and help are shown
/// with control characters escaped and cut to [`TEXT_LIMIT`] bytes.
#[derive(Debug)]
struct FindingDiagnostic<'a> {
    finding: &'a Finding,
    source: &'a Framed<'a>,
    help: String,
}

impl std::fmt::Display for FindingDiagnostic<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&printable(&frame::capped(
            &self.finding.message,
            TEXT_LIMIT,
        )))
    }
}

impl std::error::Error for FindingDiagnostic<'_> {}

impl Diagnostic for FindingDiagnostic<'_> {
    fn code<'b>(&'b self) -> Option<Box<dyn std::fmt::Display + 'b>> {
        Some(Box::new(self.finding.rule.name()))
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.finding.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
            Severity::Info => miette::Severity::Advice,
        })
    }

    fn help<'b>(&'b self) -> Option<Box<dyn std::fmt::Display + 'b>> {
        Some(Box::new(&self.help))
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        Some(self.source)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let label = LabeledSpan::new_with_span(
            Some(self.finding.category.name().to_string()),
            self.source.span(&self.finding.span),
        );
        Some(Box::new(std::iter::once(label)))
    }
}

fn human_help(finding: &Finding) -> String {
    let mut help = finding.help.clone();
    if let Some(fix) = &finding.fix {
        let safety = if fix.safe {
            ""
        } else {
            " (review: changes behaviour)"
        };
        help.push_str(&format!("\nfix{safety}: {}\n{}", fix.title, fix.statement));
    }
    printable(&frame::capped(&help, TEXT_LIMIT)).into_owned()
}

impl FileRenderer<'_> {
    fn human(&mut self, finding: &Finding, out: &mut Vec<u8>) {
        let (name, text) = (self.name, self.text);
        let source = self.framed.get_or_insert_with(|| Framed::new(name, text));
        let diagnostic = FindingDiagnostic {
            finding,
            source,
            help: human_help(finding),
        };
        let mut rendered = String::new();
        let handled = self
            .handler
            .as_ref()
            .is_some_and(|h| h.render_report(&mut rendered, &diagnostic).is_ok());
        if !handled {
            rendered = format!(
                "{}:{}:{}: {} [{}]\n",
                printable(self.name),
                finding.start.0,
                finding.start.1,
                printable(&finding.message),
                finding.rule
            );
        }
        out.extend_from_slice(rendered.as_bytes());
        out.push(b'\n');
    }
}

fn human_summary(summary: &Summary, out: &mut dyn Write) -> io::Result<()> {
    let s = &summary.stats;
    writeln!(
        out,
        "{} file(s), {} statement(s) ({} parsed, {} by token fallback, {} not parsed): {} error(s), {} warning(s), {} info",
        summary.files,
        s.statements,
        s.parsed,
        s.fallback,
        s.unparsed,
        summary.errors,
        summary.warnings,
        summary.infos
    )
}

// ---------------------------------------------------------------------------------------------
// json

/// One finding as JSON (borrowing: the document is streamed, never built in memory).
#[derive(Serialize)]
struct JsonFinding<'a> {
    rule: &'static str,
    severity: &'static str,
    file: &'a str,
    line: usize,
    column: usize,
    end_line: usize,
    end_column: usize,
    category: &'static str,
    message: &'a str,
    help: &'a str,
    fix: Option<&'a str>,
}

fn json_finding<'a>(file: &'a str, finding: &'a Finding) -> JsonFinding<'a> {
    JsonFinding {
        rule: finding.rule.name(),
        severity: finding.severity.name(),
        file,
        line: finding.start.0,
        column: finding.start.1,
        end_line: finding.end.0,
        end_column: finding.end.1,
        category: finding.category.name(),
        message: &finding.message,
        help: &finding.help,
        fix: finding.fix.as_ref().map(|fix| fix.statement.as_str()),
    }
}

impl JsonFinding<'_> {
    /// Append this finding as [`element`] would serialize it at `indent`: the same bytes
    /// (a test holds them equal), written field by field. Most of a JSON report is these
    /// strings, and [`json_string`] escapes them a word at a time where serde_json goes a byte
    /// at a time.
    fn write(&self, indent: usize, out: &mut Vec<u8>) {
        let key = |out: &mut Vec<u8>, first: bool, key: &str| {
            if !first {
                out.push(b',');
            }
            out.push(b'\n');
            let _ = spaces(out, indent + 2);
            out.push(b'"');
            out.extend_from_slice(key.as_bytes());
            out.extend_from_slice(b"\": ");
        };
        out.extend_from_slice(b",\n");
        let _ = spaces(out, indent);
        out.push(b'{');
        for (name, value) in [
            ("rule", self.rule),
            ("severity", self.severity),
            ("file", self.file),
        ] {
            key(out, name == "rule", name);
            json_string(out, value);
        }
        for (name, value) in [
            ("line", self.line),
            ("column", self.column),
            ("end_line", self.end_line),
            ("end_column", self.end_column),
        ] {
            key(out, false, name);
            decimal(out, value);
        }
        for (name, value) in [
            ("category", self.category),
            ("message", self.message),
            ("help", self.help),
        ] {
            key(out, false, name);
            json_string(out, value);
        }
        key(out, false, "fix");
        match self.fix {
            Some(fix) => json_string(out, fix),
            None => out.extend_from_slice(b"null"),
        }
        out.push(b'\n');
        let _ = spaces(out, indent);
        out.push(b'}');
    }
}

/// Append `n` in decimal.
fn decimal(out: &mut Vec<u8>, mut n: usize) {
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    loop {
        at -= 1;
        digits[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.extend_from_slice(&digits[at..]);
}

/// Append `value` as a JSON string, escaped as serde_json escapes it: `"` and `\\`, and the
/// control characters (`\n`, `\t` and the like by name, the others as `\u00xx`). Eight bytes
/// at a time are passed over while none of them needs escaping.
fn json_string(out: &mut Vec<u8>, value: &str) {
    const ONES: u64 = u64::from_ne_bytes([0x01; 8]);
    const HIGHS: u64 = u64::from_ne_bytes([0x80; 8]);
    // Whether any byte of `word` is below `n` (at most 0x80), exactly.
    let below = |word: u64, n: u8| word.wrapping_sub(ONES * u64::from(n)) & !word & HIGHS != 0;
    let escaped = |word: u64| {
        below(word, 0x20) || below(word ^ (ONES * 0x22), 1) || below(word ^ (ONES * 0x5c), 1)
    };
    let bytes = value.as_bytes();
    out.reserve(bytes.len() + 2);
    out.push(b'"');
    let (mut start, mut at) = (0, 0);
    while at < bytes.len() {
        if let Some(chunk) = bytes.get(at..at + 8) {
            let word = u64::from_ne_bytes(chunk.try_into().unwrap_or_default());
            if !escaped(word) {
                at += 8;
                continue;
            }
        }
        let b = bytes[at];
        let short = match b {
            b'"' => b'"',
            b'\\' => b'\\',
            0x08 => b'b',
            0x0c => b'f',
            b'\n' => b'n',
            b'\r' => b'r',
            b'\t' => b't',
            0..=0x1f => b'u',
            _ => {
                at += 1;
                continue;
            }
        };
        out.extend_from_slice(&bytes[start..at]);
        out.extend_from_slice(&[b'\\', short]);
        if short == b'u' {
            const HEX: &[u8; 16] = b"0123456789abcdef";
            out.extend_from_slice(&[
                b'0',
                b'0',
                HEX[usize::from(b >> 4)],
                HEX[usize::from(b & 0xf)],
            ]);
        }
        at += 1;
        start = at;
    }
    out.extend_from_slice(&bytes[start..]);
    out.push(b'"');
}

#[derive(Serialize)]
struct JsonSummary {
    files: usize,
    statements: usize,
    findings: usize,
    parsed: usize,
    fallback: usize,
    unparsed: usize,
}

#[derive(Serialize)]
struct JsonDocument {
    version: u32,
    findings: &'static str,
    summary: JsonSummary,
}

/// The version-1 document with [`SLOT`] where the findings go.
fn json_skeleton(summary: &Summary) -> JsonDocument {
    let s = &summary.stats;
    JsonDocument {
        version: 1,
        findings: SLOT,
        summary: JsonSummary {
            files: summary.files,
            statements: s.statements,
            findings: summary.findings,
            parsed: s.parsed,
            fallback: s.fallback,
            unparsed: s.unparsed,
        },
    }
}

// ---------------------------------------------------------------------------------------------
// sarif

fn sarif_level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

/// The SARIF log with [`SLOT`] where the results go.
fn sarif_skeleton() -> Value {
    let rules: Vec<Value> = Rule::all()
        .iter()
        .map(|rule| {
            json!({
                "id": rule.name(),
                "shortDescription": { "text": rule.summary() },
                "defaultConfiguration": { "level": sarif_level(rule.default_severity()) },
                "properties": { "category": rule.category().name() },
            })
        })
        .collect();
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": "driftlint",
                "version": env!("CARGO_PKG_VERSION"),
                "rules": rules,
            }},
            "results": SLOT,
        }],
    })
}

/// One finding as a SARIF result (borrowing, like [`JsonFinding`]). SARIF results were once
/// serde_json values, whose keys come out sorted; every struct here keeps its fields in that
/// order, so the log reads as it always did.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    fixes: Option<[SarifFix<'a>; 1]>,
    level: &'static str,
    locations: [SarifLocation<'a>; 1],
    message: SarifText<'a>,
    rule_id: &'static str,
}

#[derive(Serialize)]
struct SarifText<'a> {
    text: std::borrow::Cow<'a, str>,
}

impl<'a> SarifText<'a> {
    fn new(text: impl Into<std::borrow::Cow<'a, str>>) -> SarifText<'a> {
        SarifText { text: text.into() }
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifLocation<'a> {
    physical_location: SarifPhysicalLocation<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifPhysicalLocation<'a> {
    artifact_location: SarifArtifact<'a>,
    region: SarifRegion,
}

#[derive(Serialize)]
struct SarifArtifact<'a> {
    uri: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifRegion {
    end_column: usize,
    end_line: usize,
    start_column: usize,
    start_line: usize,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifFix<'a> {
    artifact_changes: [SarifChange<'a>; 1],
    description: SarifText<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifChange<'a> {
    artifact_location: SarifArtifact<'a>,
    replacements: [SarifReplacement<'a>; 1],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifReplacement<'a> {
    deleted_region: SarifBytes,
    inserted_content: SarifText<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifBytes {
    byte_length: usize,
    byte_offset: usize,
}

/// A file's name as a SARIF artifact URI: `/` between parts.
fn sarif_uri(file: &str) -> std::borrow::Cow<'_, str> {
    if file.contains('\\') {
        file.replace('\\', "/").into()
    } else {
        file.into()
    }
}

/// One finding as a SARIF result, in the file at `uri` ([`sarif_uri`]).
fn sarif_result<'a>(uri: &'a str, finding: &'a Finding) -> SarifResult<'a> {
    let fixes = finding.fix.as_ref().map(|fix| {
        [SarifFix {
            artifact_changes: [SarifChange {
                artifact_location: SarifArtifact { uri },
                replacements: [SarifReplacement {
                    deleted_region: SarifBytes {
                        byte_length: fix.span.len(),
                        byte_offset: fix.span.start,
                    },
                    inserted_content: SarifText::new(fix.replacement.as_str()),
                }],
            }],
            description: SarifText::new(fix.title.as_str()),
        }]
    });
    SarifResult {
        fixes,
        level: sarif_level(finding.severity),
        locations: [SarifLocation {
            physical_location: SarifPhysicalLocation {
                artifact_location: SarifArtifact { uri },
                region: SarifRegion {
                    end_column: finding.end.1,
                    end_line: finding.end.0,
                    start_column: finding.start.1,
                    start_line: finding.start.0,
                },
            },
        }],
        message: SarifText::new(format!("{} ({})", finding.message, finding.help)),
        rule_id: finding.rule.name(),
    }
}

// ---------------------------------------------------------------------------------------------
// github

fn github(file: &str, finding: &Finding, out: &mut Vec<u8>) {
    let command = match finding.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "notice",
    };
    // Writing to a Vec cannot fail.
    let _ = writeln!(
        out,
        "::{command} file={},line={},col={},endLine={},endColumn={},title={}::{}",
        escape_property(file),
        finding.start.0,
        finding.start.1,
        finding.end.0,
        finding.end.1,
        escape_property(finding.rule.name()),
        escape_data(&format!("{} ({})", finding.message, finding.help)),
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lint::{lint_text, summarize, Selection};

    fn rendered(format: Format, reports: &[FileReport]) -> String {
        let summary = summarize(reports, 0);
        let mut out = Vec::new();
        write(format, reports, &summary, false, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    /// Two files with findings (fixes among them), one without.
    fn reports() -> Vec<FileReport> {
        let selection = Selection::all();
        vec![
            lint_text(
                "m/001.sql",
                "CREATE TABLE a (id int);\nALTER TABLE a ADD COLUMN \"b\\\"\" text;",
                &selection,
            ),
            lint_text("m/002.sql", "SELECT 1;", &selection),
            lint_text(
                "m\\003.sql",
                "DROP TABLE a;\r\nCREATE SCHEMA s;",
                &selection,
            ),
        ]
    }

    #[test]
    fn json_matches_the_documented_shape() {
        let report = lint_text(
            "m/011_x.sql",
            "SELECT 1;\nALTER TABLE t ADD COLUMN a int;",
            &Selection::new(&[], &["missing-lock-timeout".to_string()]).unwrap(),
        );
        let summary = summarize(std::slice::from_ref(&report), 0);
        let doc = json_document(&[report], &summary);
        assert_eq!(doc["version"], 1);
        let finding = &doc["findings"][0];
        assert_eq!(finding["rule"], "add-column-without-if-not-exists");
        assert_eq!(finding["file"], "m/011_x.sql");
        assert_eq!(
            (finding["line"].as_u64(), finding["column"].as_u64()),
            (Some(2), Some(15))
        );
        assert_eq!(finding["category"], "idempotency");
        assert_eq!(
            finding["fix"],
            "ALTER TABLE t ADD COLUMN IF NOT EXISTS a int;"
        );
        assert_eq!(doc["summary"]["statements"], 2);
        assert_eq!(doc["summary"]["findings"], 1);
    }

    /// The streamed JSON report is byte for byte the document serialized whole.
    #[test]
    fn streamed_json_is_the_document_serialized_whole() {
        #[derive(Serialize)]
        struct Whole<'a> {
            version: u32,
            findings: Vec<JsonFinding<'a>>,
            summary: JsonSummary,
        }
        for reports in [reports(), reports()[1..2].to_vec(), Vec::new()] {
            let summary = summarize(&reports, 0);
            let whole = Whole {
                version: 1,
                findings: reports
                    .iter()
                    .flat_map(|r| r.findings.iter().map(|f| json_finding(&r.name, f)))
                    .collect(),
                summary: json_skeleton(&summary).summary,
            };
            let expected = serde_json::to_string_pretty(&whole).unwrap() + "\n";
            assert_eq!(rendered(Format::Json, &reports), expected);
        }
    }

    /// An element is its value as serde_json pretty-prints it, every line indented, after a
    /// comma: empty and nested arrays and objects, escaped strings.
    #[test]
    fn an_element_is_the_pretty_value_indented() {
        let value = json!({
            "a": [],
            "b": {},
            "c": [1, [], {"d": null}, [{}]],
            "e": "line\nbreak \"quoted\"",
            "f": {"g": [{"h": []}], "i": 2.5},
        });
        let mut out = Vec::new();
        element(&value, 6, &mut out);
        let pretty = serde_json::to_string_pretty(&value).unwrap();
        let expected: String = pretty.lines().map(|l| format!("\n      {l}")).collect();
        assert_eq!(String::from_utf8(out).unwrap(), format!(",{expected}"));
    }

    /// Strings are escaped as serde_json escapes them, wherever the characters to escape fall
    /// among the eight-byte words.
    #[test]
    fn strings_are_escaped_as_serde_json_escapes_them() {
        const PIECES: &[&str] = &[
            "a",
            "long run of plain text",
            "\"",
            "\\",
            "\n",
            "\r",
            "\t",
            "\u{8}",
            "\u{c}",
            "\u{0}",
            "\u{1f}",
            "\u{7f}",
            "é",
            "€",
            "😀",
            " ",
            "/",
            "\u{20}",
            "!",
            "#",
            "[",
            "]",
        ];
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        for _ in 0..5_000 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let value: String = (0..seed % 24)
                .map(|k| PIECES[((seed >> (k % 40)) as usize + k as usize) % PIECES.len()])
                .collect();
            let mut out = Vec::new();
            json_string(&mut out, &value);
            assert_eq!(
                String::from_utf8(out).unwrap(),
                serde_json::to_string(&value).unwrap(),
                "{value:?}"
            );
        }
        for b in 0..=0x7fu8 {
            let value = format!("abcdefg{}hijklmnop", char::from(b));
            let mut out = Vec::new();
            json_string(&mut out, &value);
            assert_eq!(out, serde_json::to_vec(&value).unwrap(), "{b:#x}");
        }
    }

    /// The streamed SARIF log is byte for byte the log serialized whole.
    #[test]
    fn streamed_sarif_is_the_log_serialized_whole() {
        for reports in [reports(), Vec::new()] {
            let mut whole = sarif_skeleton();
            whole["runs"][0]["results"] = reports
                .iter()
                .flat_map(|r| {
                    let uri = sarif_uri(&r.name);
                    let results = r.findings.iter().map(|f| sarif_result(&uri, f));
                    results
                        .map(|result| serde_json::to_value(result).unwrap())
                        .collect::<Vec<_>>()
                })
                .collect();
            let expected = serde_json::to_string_pretty(&whole).unwrap() + "\n";
            assert_eq!(rendered(Format::Sarif, &reports), expected);
        }
    }

    #[test]
    fn github_annotations_escape_their_fields() {
        let report = lint_text(
            "a,b.sql",
            "DROP TABLE t;",
            &Selection::only(Rule::DropWithoutIfExists),
        );
        let text = rendered(Format::Github, &[report]);
        assert!(text.starts_with("::error file=a%2Cb.sql,line=1,col=1,endLine=1,endColumn=14,title=drop-without-if-exists::"), "{text}");
    }

    #[test]
    fn human_output_names_the_rule_and_shows_the_fix() {
        let report = lint_text("x.sql", "CREATE SCHEMA billing;", &Selection::all());
        let text = rendered(Format::Human, &[report]);
        assert!(
            text.contains("create-schema-without-if-not-exists"),
            "{text}"
        );
        assert!(
            text.contains("CREATE SCHEMA IF NOT EXISTS billing;"),
            "{text}"
        );
        assert!(text.contains("x.sql:1:1"), "{text}");
    }
}
