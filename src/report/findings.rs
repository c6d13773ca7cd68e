//! Rendering lint findings: human (miette code frames), JSON (version 1, see DESIGN), SARIF 2.1.0
//! and GitHub workflow annotations. Deciding what the findings are is `lint`'s job.

use std::io::{self, Write};

use miette::{Diagnostic, GraphicalReportHandler, GraphicalTheme, LabeledSpan};
use serde::ser::SerializeSeq;
use serde::Serialize;
use serde_json::{json, Value};

use super::frame::{self, Framed};
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
    let out: &mut dyn Write = &mut buffered;
    match format {
        Format::Human => human(reports, summary, color, out),
        Format::Json => write_json(reports, summary, out),
        Format::Sarif => {
            serde_json::to_writer_pretty(&mut *out, &sarif(reports))?;
            writeln!(out)
        }
        Format::Github => github(reports, out),
    }?;
    buffered.flush()
}

// ---------------------------------------------------------------------------------------------
// human

/// Longest message or help shown in a human frame (a fix can repeat a whole statement).
const TEXT_LIMIT: usize = 4096;

/// One finding as a miette diagnostic: message, rule as code, help (with the fix), a label on
/// the span. The code frame is a window of the file ([`Framed`]); message and help are shown
/// with control characters escaped and cut to [`TEXT_LIMIT`] bytes.
#[derive(Debug)]
struct FindingDiagnostic<'a> {
    finding: &'a Finding,
    source: &'a Framed,
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

fn human(
    reports: &[FileReport],
    summary: &Summary,
    color: bool,
    out: &mut dyn Write,
) -> io::Result<()> {
    let theme = if color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme).with_context_lines(1);
    for report in reports {
        if report.findings.is_empty() {
            continue;
        }
        let source = Framed::new(&report.name, &report.text);
        for finding in &report.findings {
            let diagnostic = FindingDiagnostic {
                finding,
                source: &source,
                help: human_help(finding),
            };
            let mut rendered = String::new();
            if handler.render_report(&mut rendered, &diagnostic).is_err() {
                rendered = format!(
                    "{}:{}:{}: {} [{}]\n",
                    printable(&report.name),
                    finding.start.0,
                    finding.start.1,
                    printable(&finding.message),
                    finding.rule
                );
            }
            writeln!(out, "{rendered}")?;
        }
    }
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
struct JsonDocument<'a> {
    version: u32,
    findings: JsonFindings<'a>,
    summary: JsonSummary,
}

/// The findings of every report, serialized as one sequence.
struct JsonFindings<'a>(&'a [FileReport]);

impl Serialize for JsonFindings<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let count = self.0.iter().map(|r| r.findings.len()).sum();
        let mut seq = serializer.serialize_seq(Some(count))?;
        for report in self.0 {
            for finding in &report.findings {
                seq.serialize_element(&JsonFinding {
                    rule: finding.rule.name(),
                    severity: finding.severity.name(),
                    file: &report.name,
                    line: finding.start.0,
                    column: finding.start.1,
                    end_line: finding.end.0,
                    end_column: finding.end.1,
                    category: finding.category.name(),
                    message: &finding.message,
                    help: &finding.help,
                    fix: finding.fix.as_ref().map(|fix| fix.statement.as_str()),
                })?;
            }
        }
        seq.end()
    }
}

/// Write the version-1 JSON document.
pub fn write_json(
    reports: &[FileReport],
    summary: &Summary,
    out: &mut dyn Write,
) -> io::Result<()> {
    let s = &summary.stats;
    let document = JsonDocument {
        version: 1,
        findings: JsonFindings(reports),
        summary: JsonSummary {
            files: summary.files,
            statements: s.statements,
            findings: summary.findings,
            parsed: s.parsed,
            fallback: s.fallback,
            unparsed: s.unparsed,
        },
    };
    serde_json::to_writer_pretty(&mut *out, &document)?;
    writeln!(out)
}

/// The version-1 JSON document as a value (for tests and callers that want to inspect it).
pub fn json_document(reports: &[FileReport], summary: &Summary) -> Value {
    let mut buffer = Vec::new();
    match write_json(reports, summary, &mut buffer) {
        Ok(()) => serde_json::from_slice(&buffer).unwrap_or(Value::Null),
        Err(_) => Value::Null,
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

fn sarif(reports: &[FileReport]) -> Value {
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
    let results: Vec<Value> = reports
        .iter()
        .flat_map(|report| {
            report.findings.iter().map(move |finding| {
                let mut result = json!({
                    "ruleId": finding.rule.name(),
                    "level": sarif_level(finding.severity),
                    "message": { "text": format!("{} ({})", finding.message, finding.help) },
                    "locations": [{
                        "physicalLocation": {
                            "artifactLocation": { "uri": report.name.replace('\\', "/") },
                            "region": {
                                "startLine": finding.start.0,
                                "startColumn": finding.start.1,
                                "endLine": finding.end.0,
                                "endColumn": finding.end.1,
                            }
                        }
                    }],
                });
                if let Some(fix) = &finding.fix {
                    result["fixes"] = json!([{
                        "description": { "text": fix.title },
                        "artifactChanges": [{
                            "artifactLocation": { "uri": report.name.replace('\\', "/") },
                            "replacements": [{
                                "deletedRegion": { "byteOffset": fix.span.start, "byteLength": fix.span.len() },
                                "insertedContent": { "text": fix.replacement },
                            }]
                        }]
                    }]);
                }
                result
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
            "results": results,
        }],
    })
}

// ---------------------------------------------------------------------------------------------
// github

/// Escape a workflow-command property value.
fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

/// Escape workflow-command data.
fn escape_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

fn github(reports: &[FileReport], out: &mut dyn Write) -> io::Result<()> {
    for report in reports {
        for finding in &report.findings {
            let command = match finding.severity {
                Severity::Error => "error",
                Severity::Warning => "warning",
                Severity::Info => "notice",
            };
            writeln!(
                out,
                "::{command} file={},line={},col={},endLine={},endColumn={},title={}::{}",
                escape_property(&report.name),
                finding.start.0,
                finding.start.1,
                finding.end.0,
                finding.end.1,
                escape_property(finding.rule.name()),
                escape_data(&format!("{} ({})", finding.message, finding.help)),
            )?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lint::{lint_text, summarize, Selection};

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

    #[test]
    fn github_annotations_escape_their_fields() {
        let report = lint_text(
            "a,b.sql",
            "DROP TABLE t;",
            &Selection::only(Rule::DropWithoutIfExists),
        );
        let mut out = Vec::new();
        github(&[report], &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.starts_with("::error file=a%2Cb.sql,line=1,col=1,endLine=1,endColumn=14,title=drop-without-if-exists::"), "{text}");
    }

    #[test]
    fn human_output_names_the_rule_and_shows_the_fix() {
        let report = lint_text("x.sql", "CREATE SCHEMA billing;", &Selection::all());
        let summary = summarize(std::slice::from_ref(&report), 0);
        let mut out = Vec::new();
        human(&[report], &summary, false, &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
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
