//! Integration tests: rule pages (`rules/*.md`) and per-rule fixtures (`fixtures/lint/*.sql`),
//! checked through the built binary with `--format json`.
//!
//! A page's Example must trigger its rule and its Use instead must not; `driftlint explain`
//! prints the page; `driftlint rules` and the pages list the same rules. In a fixture, a
//! `-- error` / `-- warning` / `-- info` line marks the next statement as one that must report
//! the rule with that severity, and `-- ok` marks one that must not; a finding of the rule on
//! any statement that is not marked as reporting fails too.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

use driftlint::sql::split::{split, LineIndex, PieceKind};
use serde_json::Value;

use crate::util::driftlint;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

#[derive(Debug, Clone)]
struct Finding {
    rule: String,
    severity: String,
    line: usize,
}

/// Lint `paths` with `--format json`; the findings of each file, keyed by file name.
fn lint(paths: &[&Path]) -> BTreeMap<String, Vec<Finding>> {
    let output = driftlint()
        .arg("lint")
        .arg("--format")
        .arg("json")
        .args(paths)
        .output()
        .expect("driftlint runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    let code = output.status.code();
    assert!(
        matches!(code, Some(0 | 1)),
        "driftlint lint exited with {code:?}\nstdout:\n{stdout}\nstderr:\n{stderr}"
    );
    let json: Value = serde_json::from_str(&stdout)
        .unwrap_or_else(|e| panic!("lint output is not JSON ({e}):\n{stdout}\n{stderr}"));
    assert_eq!(json["version"], 1, "{json}");
    let findings = json["findings"]
        .as_array()
        .unwrap_or_else(|| panic!("no findings array: {json}"));
    let mut by_file: BTreeMap<String, Vec<Finding>> = BTreeMap::new();
    for finding in findings {
        let field = |name: &str| {
            finding[name]
                .as_str()
                .unwrap_or_else(|| panic!("finding without {name}: {finding}"))
                .to_string()
        };
        let file = field("file");
        let name = Path::new(&file)
            .file_name()
            .map_or(file.clone(), |n| n.to_string_lossy().into_owned());
        let line = finding["line"]
            .as_u64()
            .unwrap_or_else(|| panic!("finding without line: {finding}"));
        by_file.entry(name).or_default().push(Finding {
            rule: field("rule"),
            severity: field("severity"),
            line: line as usize,
        });
    }
    by_file
}

/// A rule page, read from `rules/<name>.md`.
struct Page {
    name: String,
    text: String,
    category: String,
    severity: String,
    example: String,
    use_instead: String,
}

const HEADINGS: [&str; 4] = [
    "## What it does",
    "## Why is this bad?",
    "## Example",
    "Use instead:",
];

/// The first ```sql block in `text`.
fn first_sql_block(text: &str) -> Option<String> {
    let start = text.find("```sql\n")? + "```sql\n".len();
    let end = text[start..].find("```")? + start;
    Some(text[start..end].to_string())
}

fn parse_page(path: &Path) -> Result<Page, String> {
    let name = path
        .file_stem()
        .and_then(|s| s.to_str())
        .ok_or("bad file name")?
        .to_string();
    let text = fs::read_to_string(path).map_err(|e| e.to_string())?;
    let mut lines = text.lines().filter(|l| !l.trim().is_empty());
    let title = lines.next().unwrap_or_default();
    if title != format!("# {name}") {
        return Err(format!("first line is {title:?}, not \"# {name}\""));
    }
    let meta = lines.next().unwrap_or_default();
    let (category, severity) = meta
        .strip_prefix("Category: ")
        .and_then(|rest| rest.split_once(" · Severity: "))
        .ok_or_else(|| format!("second line {meta:?} is not \"Category: x · Severity: y\""))?;
    let mut at = 0;
    for heading in HEADINGS {
        let found = text[at..]
            .lines()
            .position(|l| l.trim_end() == heading)
            .ok_or_else(|| format!("no {heading:?} line (in this order)"))?;
        at += text[at..]
            .lines()
            .take(found + 1)
            .map(|l| l.len() + 1)
            .sum::<usize>();
    }
    let headings: Vec<&str> = text.lines().filter(|l| l.starts_with("## ")).collect();
    let allowed = [
        "## What it does",
        "## Why is this bad?",
        "## Example",
        "## References",
    ];
    if let Some(other) = headings.iter().find(|h| !allowed.contains(&h.trim_end())) {
        return Err(format!("unexpected heading {other:?}"));
    }
    if headings.len() != headings.iter().collect::<BTreeSet<_>>().len() {
        return Err("a heading appears twice".into());
    }
    let example_at = text.find("\n## Example").ok_or("no Example")?;
    let use_at = text.find("\nUse instead:").ok_or("no Use instead")?;
    let example = first_sql_block(&text[example_at..use_at])
        .ok_or("no ```sql block between ## Example and Use instead:")?;
    let use_instead =
        first_sql_block(&text[use_at..]).ok_or("no ```sql block after Use instead:")?;
    Ok(Page {
        name,
        category: category.trim().to_string(),
        severity: severity.trim().to_string(),
        example,
        use_instead,
        text,
    })
}

fn pages() -> Vec<Page> {
    let mut paths: Vec<PathBuf> = fs::read_dir(repo().join("rules"))
        .expect("rules/ exists")
        .map(|e| e.expect("readable rules/ entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .collect();
    paths.sort();
    assert!(!paths.is_empty(), "no rule pages in rules/");
    paths
        .iter()
        .map(|path| parse_page(path).unwrap_or_else(|e| panic!("{}: {e}", path.display())))
        .collect()
}

/// The rules `driftlint rules --format json` lists: name -> (category, severity) where given.
fn listed_rules() -> BTreeMap<String, (Option<String>, Option<String>)> {
    let output = driftlint()
        .args(["rules", "--format", "json"])
        .output()
        .expect("driftlint runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "driftlint rules failed: {stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let json: Value = serde_json::from_str(&stdout)
        .unwrap_or_else(|e| panic!("rules output is not JSON ({e}): {stdout}"));
    let list = json
        .get("rules")
        .unwrap_or(&json)
        .as_array()
        .unwrap_or_else(|| panic!("no list of rules in {json}"));
    list.iter()
        .map(|rule| {
            let text = |key: &str| rule.get(key).and_then(Value::as_str).map(str::to_string);
            let name = rule
                .as_str()
                .map(str::to_string)
                .or_else(|| text("name"))
                .unwrap_or_else(|| panic!("rule without a name: {rule}"));
            (name, (text("category"), text("severity")))
        })
        .collect()
}

#[test]
fn every_rule_page_has_the_required_headings() {
    let pages = pages();
    for page in &pages {
        assert!(
            ["idempotency", "locking", "destructive", "syntax", "style"]
                .contains(&page.category.as_str()),
            "{}: category {:?}",
            page.name,
            page.category
        );
        assert!(
            ["error", "warning", "info"].contains(&page.severity.as_str()),
            "{}: severity {:?}",
            page.name,
            page.severity
        );
        assert!(
            !page.example.trim().is_empty(),
            "{}: empty Example",
            page.name
        );
        assert!(
            !page.use_instead.trim().is_empty(),
            "{}: empty Use instead",
            page.name
        );
    }
}

#[test]
fn rules_listed_by_the_binary_and_rule_pages_match() {
    let listed = listed_rules();
    let pages = pages();
    let documented: BTreeSet<&str> = pages.iter().map(|p| p.name.as_str()).collect();
    let listed_names: BTreeSet<&str> = listed.keys().map(String::as_str).collect();
    assert_eq!(
        listed_names.difference(&documented).collect::<Vec<_>>(),
        Vec::<&&str>::new(),
        "rules without a page in rules/"
    );
    assert_eq!(
        documented.difference(&listed_names).collect::<Vec<_>>(),
        Vec::<&&str>::new(),
        "pages of rules that `driftlint rules` does not list"
    );
    for page in &pages {
        let (category, severity) = &listed[&page.name];
        if let Some(category) = category {
            assert_eq!(category, &page.category, "{}: category", page.name);
        }
        if let Some(severity) = severity {
            assert_eq!(severity, &page.severity, "{}: severity", page.name);
        }
    }
}

#[test]
fn explain_prints_every_rule_page() {
    for page in pages() {
        let output = driftlint()
            .args(["explain", &page.name])
            .output()
            .expect("driftlint runs");
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(output.status.success(), "explain {} failed", page.name);
        assert!(
            stdout.contains(page.text.trim()),
            "explain {} does not print rules/{}.md:\n{stdout}",
            page.name,
            page.name
        );
    }
}

#[test]
fn explain_of_an_unknown_rule_is_a_usage_error() {
    let output = driftlint()
        .args(["explain", "no-such-rule"])
        .output()
        .expect("driftlint runs");
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("no-such-rule"), "{stderr}");
}

/// Write one SQL file per page (`<rule>.sql`) into a temporary directory and lint it.
fn lint_page_blocks(pick: fn(&Page) -> &str) -> (Vec<Page>, BTreeMap<String, Vec<Finding>>) {
    let pages = pages();
    let dir = tempfile::tempdir().expect("temporary directory");
    let paths: Vec<PathBuf> = pages
        .iter()
        .map(|page| {
            let path = dir.path().join(format!("{}.sql", page.name));
            fs::write(&path, pick(page)).expect("write example");
            path
        })
        .collect();
    let refs: Vec<&Path> = paths.iter().map(PathBuf::as_path).collect();
    (pages, lint(&refs))
}

#[test]
fn every_rule_page_example_triggers_its_rule() {
    let (pages, findings) = lint_page_blocks(|page| &page.example);
    let failures: Vec<String> = pages
        .iter()
        .filter_map(|page| {
            let reported = findings.get(&format!("{}.sql", page.name));
            let hits: Vec<&Finding> = reported
                .into_iter()
                .flatten()
                .filter(|f| f.rule == page.name)
                .collect();
            if hits.is_empty() {
                Some(format!(
                    "{}: the Example reports nothing for the rule (it reports {:?})",
                    page.name,
                    reported
                        .into_iter()
                        .flatten()
                        .map(|f| &f.rule)
                        .collect::<Vec<_>>()
                ))
            } else {
                hits.iter().find(|f| f.severity != page.severity).map(|f| {
                    format!(
                        "{}: reported with severity {}, the page says {}",
                        page.name, f.severity, page.severity
                    )
                })
            }
        })
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_rule_page_use_instead_does_not_trigger_its_rule() {
    let (pages, findings) = lint_page_blocks(|page| &page.use_instead);
    let failures: Vec<String> = pages
        .iter()
        .filter_map(|page| {
            let hits: Vec<String> = findings
                .get(&format!("{}.sql", page.name))
                .into_iter()
                .flatten()
                .filter(|f| f.rule == page.name)
                .map(|f| format!("line {}", f.line))
                .collect();
            (!hits.is_empty()).then(|| format!("{}: Use instead reports it at {hits:?}", page.name))
        })
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// A statement (or meta-command) of a fixture with its marker.
#[derive(Debug)]
struct Marked {
    /// `error`, `warning`, `info` or `ok`.
    marker: String,
    /// Lines the rule may be reported on: from the line after the marker to the statement's end.
    lines: std::ops::RangeInclusive<usize>,
    first_line: usize,
}

const MARKERS: [&str; 4] = ["error", "warning", "info", "ok"];

/// The marker word of a `-- error` style line, if it is one.
fn marker(line: &str) -> Option<&'static str> {
    let rest = line.trim().strip_prefix("--")?.trim_start();
    MARKERS.into_iter().find(|m| {
        rest.strip_prefix(m).is_some_and(|after| {
            after
                .chars()
                .next()
                .is_none_or(|c| !c.is_alphanumeric() && c != '-')
        })
    })
}

fn marked_statements(text: &str) -> (Vec<Marked>, Vec<std::ops::RangeInclusive<usize>>) {
    let index = LineIndex::new(text);
    let mut marked = Vec::new();
    let mut unmarked = Vec::new();
    let mut previous_end = 0;
    for piece in split(text) {
        let gap_start = previous_end;
        previous_end = piece.span.end;
        if piece.kind == PieceKind::CopyData {
            continue;
        }
        let first_line = index.line_col(piece.span.start).0;
        let last_line = index.line_col(piece.span.end.saturating_sub(1)).0;
        let gap = &text[gap_start..piece.span.start];
        let gap_first_line = index.line_col(gap_start).0;
        let found = gap
            .lines()
            .enumerate()
            .filter_map(|(i, line)| marker(line).map(|m| (gap_first_line + i, m)))
            .last();
        match found {
            Some((marker_line, marker)) => marked.push(Marked {
                marker: marker.to_string(),
                lines: marker_line + 1..=last_line,
                first_line,
            }),
            None => unmarked.push(first_line..=last_line),
        }
    }
    (marked, unmarked)
}

#[test]
fn every_rule_has_a_fixture_and_every_fixture_a_rule() {
    let pages: BTreeSet<String> = pages().into_iter().map(|p| p.name).collect();
    let fixtures: BTreeSet<String> = fs::read_dir(repo().join("fixtures/lint"))
        .expect("fixtures/lint exists")
        .map(|e| e.expect("readable entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "sql"))
        .filter_map(|p| p.file_stem().map(|s| s.to_string_lossy().into_owned()))
        .collect();
    assert_eq!(pages, fixtures);
}

#[test]
fn every_fixture_reports_exactly_the_marked_statements() {
    let pages = pages();
    let dir = repo().join("fixtures/lint");
    let findings = lint(&[dir.as_path()]);
    let mut failures = Vec::new();
    let mut checked = 0;
    for page in &pages {
        let file = format!("{}.sql", page.name);
        let Ok(text) = fs::read_to_string(dir.join(&file)) else {
            failures.push(format!("{file}: missing"));
            continue;
        };
        let (marked, _unmarked) = marked_statements(&text);
        let reporting = marked.iter().filter(|m| m.marker != "ok").count();
        let clean = marked.len() - reporting;
        if reporting == 0 || clean == 0 {
            failures.push(format!(
                "{file}: needs at least one reporting and one `-- ok` statement"
            ));
        }
        let hits: Vec<&Finding> = findings
            .get(&file)
            .into_iter()
            .flatten()
            .filter(|f| f.rule == page.name)
            .collect();
        for statement in &marked {
            checked += 1;
            let here: Vec<&&Finding> = hits
                .iter()
                .filter(|f| statement.lines.contains(&f.line))
                .collect();
            let line = statement.first_line;
            match statement.marker.as_str() {
                "ok" => {
                    if !here.is_empty() {
                        failures.push(format!("{file}:{line}: marked ok, but the rule reports"));
                    }
                }
                expected => {
                    if here.is_empty() {
                        failures.push(format!(
                            "{file}:{line}: marked {expected}, but the rule reports nothing"
                        ));
                    } else if expected != page.severity {
                        failures.push(format!(
                            "{file}:{line}: marker {expected} differs from the rule's severity {}",
                            page.severity
                        ));
                    } else if let Some(f) = here.iter().find(|f| f.severity != expected) {
                        failures.push(format!(
                            "{file}:{line}: reported as {}, marked {expected}",
                            f.severity
                        ));
                    }
                }
            }
        }
        for finding in &hits {
            let covered = marked
                .iter()
                .any(|m| m.marker != "ok" && m.lines.contains(&finding.line));
            let in_ok = marked
                .iter()
                .any(|m| m.marker == "ok" && m.lines.contains(&finding.line));
            if !covered && !in_ok {
                failures.push(format!(
                    "{file}:{}: the rule reports on a statement without a marker",
                    finding.line
                ));
            }
        }
    }
    assert!(checked > 0, "no marked statements found");
    assert!(
        failures.is_empty(),
        "{} fixture failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// Every finding of `paths` as (file name, rule, line, column, end line, end column).
fn positions(paths: &[&Path]) -> Vec<(String, String, u64, u64, u64, u64)> {
    let output = driftlint()
        .args(["lint", "--format", "json"])
        .args(paths)
        .output()
        .expect("driftlint runs");
    let json: Value = serde_json::from_slice(&output.stdout).expect("JSON report");
    let mut found: Vec<_> = json["findings"]
        .as_array()
        .expect("findings array")
        .iter()
        .map(|f| {
            let number = |key: &str| f[key].as_u64().unwrap_or_else(|| panic!("{key} in {f}"));
            let file = f["file"].as_str().expect("file");
            let name = Path::new(file).file_name().expect("file name");
            (
                name.to_string_lossy().into_owned(),
                f["rule"].as_str().expect("rule").to_string(),
                number("line"),
                number("column"),
                number("end_line"),
                number("end_column"),
            )
        })
        .collect();
    found.sort();
    found
}

/// The same fixtures with CRLF line endings and a UTF-8 BOM report the same rules at the same
/// lines and columns.
#[test]
fn fixtures_with_crlf_and_bom_report_the_same_positions() {
    let dir = repo().join("fixtures/lint");
    let crlf = tempfile::tempdir().expect("temporary directory");
    for entry in fs::read_dir(&dir).expect("fixtures/lint exists") {
        let path = entry.expect("readable entry").path();
        let text = fs::read_to_string(&path).expect("readable fixture");
        let converted = format!("\u{FEFF}{}", text.replace('\n', "\r\n"));
        fs::write(crlf.path().join(path.file_name().expect("name")), converted).expect("write");
    }
    let original = positions(&[dir.as_path()]);
    assert!(original.len() > 100, "only {} findings", original.len());
    assert_eq!(positions(&[crlf.path()]), original);
}

/// The marker reader itself: it must find what a person reads in a fixture.
#[test]
fn fixture_markers_are_read_as_written() {
    let text = "-- header\n\n-- error\nCREATE TABLE a (id int);\n-- ok\n-- driftlint-ignore: x\nCREATE TABLE IF NOT EXISTS a (id int);\nSELECT 1;\n-- warning: note\n\\connect db\n-- okay this is prose\nSELECT\n  2;";
    let (marked, unmarked) = marked_statements(text);
    let summary: Vec<(&str, usize, usize, usize)> = marked
        .iter()
        .map(|m| {
            (
                m.marker.as_str(),
                m.first_line,
                *m.lines.start(),
                *m.lines.end(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [("error", 4, 4, 4), ("ok", 7, 6, 7), ("warning", 10, 10, 10)]
    );
    assert_eq!(unmarked, [8..=8, 12..=13]);
}
