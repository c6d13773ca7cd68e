//! Linting one file's text, one top-level statement at a time: read the statement's actions
//! ([`statement`], recovering from syntax errors), tell the [`Facts`] of the file so far about
//! each, let every enabled rule judge it, drop the suppressed findings and hand the rest to a
//! sink in report order. Nothing of the file is held but its text, its pieces' spans, its line
//! starts and the facts: a statement's actions are dropped once judged, and findings leave as
//! soon as no earlier one can follow them. So memory does not grow with the number of actions or
//! findings of a file.

use super::action::{Action, Kind, Parsed};
use super::context::Ctx;
use super::facts::Facts;
use super::{
    recover, rules, runner, statement, suppress, tables, Category, Finding, ReportedFix, Rule,
    Settings, Severity, Stats, Wrapping,
};
use crate::sql::split as source;

/// Lint one file's text: each finding goes to `sink` as soon as no later one can come before
/// it, in report order (by position, then rule). Returns how the statements were read.
///
/// A rule reports within the top-level statement of the action it judges, so once the rules
/// have judged every action before a statement, every finding before that statement is known.
/// The one exception waits: a rule that reads up to the end of the action's transaction
/// ([`Rule::reads_to_transaction_end`]) judges it once that end is read, and the findings after
/// it are held until then.
pub fn lint_file_to(text: &str, settings: &Settings, sink: &mut dyn FnMut(Finding)) -> Stats {
    let pieces = source::split(text);
    let statements = pieces
        .iter()
        .filter(|p| p.kind == source::PieceKind::Statement)
        .count();
    let wrapping = runner::wrapping(
        settings.runner,
        settings.no_transaction.as_deref(),
        text,
        statements,
    );
    let suppressions = suppress::parse(text, &pieces);
    let lines = source::LineIndex::new(text);
    let mut linter = Linter {
        text,
        settings,
        wrapping: &wrapping,
        suppressions: &suppressions,
        lines: &lines,
        facts: Facts::new(),
        ordered: InOrder::new(sink),
        waiting: Vec::new(),
    };
    if settings.selection.enabled(Rule::UnknownSuppression) {
        for finding in unknown_suppressions(&suppressions, &lines) {
            linter.ordered.push(finding);
        }
    }
    let mut reader = FileReader {
        text,
        state: match wrapping {
            Wrapping::Wrapped(_) => statement::FileState::wrapped(text),
            Wrapping::Unknown | Wrapping::Unwrapped => statement::FileState::new(text),
        },
        actions: Vec::new(),
        stats: Stats::default(),
    };
    for piece in &pieces {
        reader.actions.clear();
        reader.piece(piece.kind, piece.span.clone());
        for action in &mut reader.actions {
            action.piece_start = piece.span.start;
        }
        linter.statement(&reader.actions);
    }
    linter.end_transaction(text.len());
    linter.ordered.release_before(usize::MAX);
    reader.stats
}

/// Judges a file's actions in order.
struct Linter<'a, 's> {
    text: &'a str,
    settings: &'a Settings<'a>,
    wrapping: &'a Wrapping,
    suppressions: &'a suppress::Suppressions,
    lines: &'a source::LineIndex,
    facts: Facts,
    ordered: InOrder<'s>,
    /// Actions in the open transaction that a rule judges at its end, with those rules.
    waiting: Vec<(Action, Vec<Rule>)>,
}

impl Linter<'_, '_> {
    /// Judge the actions of one top-level statement.
    fn statement(&mut self, actions: &[Action]) {
        for (index, action) in actions.iter().enumerate() {
            if matches!(action.kind, Kind::TransactionControl { begin: false })
                && !action.in_transaction
            {
                self.end_transaction(action.span.start);
            }
            let waiting_from = self.waiting.first().map_or(usize::MAX, |w| w.0.span.start);
            self.ordered
                .release_before(action.piece_start.min(waiting_from));
            self.facts.arrive(action);
            let mut later = Vec::new();
            let mut found = Vec::new();
            let ctx = self.ctx(actions, index, None);
            for &rule in &self.settings.selection.enabled {
                if rule.reads_to_transaction_end(action) {
                    later.push(rule);
                    continue;
                }
                found.extend(self.judge(rule, action, &ctx));
            }
            for finding in found {
                self.ordered.push(finding);
            }
            if !later.is_empty() {
                self.waiting.push((action.clone(), later));
            }
            self.facts.record(action);
        }
    }

    /// The open transaction ends at `end`: judge what waited for it.
    fn end_transaction(&mut self, end: usize) {
        for (action, rules) in std::mem::take(&mut self.waiting) {
            let actions = std::slice::from_ref(&action);
            let ctx = self.ctx(actions, 0, Some(end));
            let found: Vec<Finding> = rules
                .into_iter()
                .filter_map(|rule| self.judge(rule, &action, &ctx))
                .collect();
            for finding in found {
                self.ordered.push(finding);
            }
        }
    }

    fn ctx<'c>(&'c self, actions: &'c [Action], index: usize, end: Option<usize>) -> Ctx<'c> {
        Ctx {
            text: self.text,
            actions,
            index,
            facts: &self.facts,
            declared: self.settings.declared,
            pg_version: self.settings.pg_version,
            runner: self.settings.runner,
            wrapping: self.wrapping,
            tables: self.settings.tables,
            transaction_end: end,
        }
    }

    /// What `rule` finds in `action`, unless a comment suppresses it.
    fn judge(&self, rule: Rule, action: &Action, ctx: &Ctx) -> Option<Finding> {
        let hit = rule.check(action, ctx)?;
        self.reported(rule, hit, action)
    }

    /// A rule's hit as reported, or `None` when a comment suppresses it. Every rule judges
    /// every action and almost all find nothing: kept out of line, making a finding costs
    /// nothing to the judgments that find nothing.
    #[inline(never)]
    fn reported(&self, rule: Rule, hit: rules::Hit, action: &Action) -> Option<Finding> {
        let at = action.statement.start;
        if self.suppressions.is_suppressed(rule.name(), at)
            || self.suppressions.is_suppressed(rule.category().name(), at)
        {
            return None;
        }
        let hit = match self.settings.tables {
            Some(tables) => sized(rule, hit, action, tables),
            None => hit,
        };
        Some(finding(rule, hit, self.text, self.lines, action))
    }
}

/// Findings put in report order (by position, then rule, then as found) on their way to a sink.
struct InOrder<'s> {
    held: std::collections::BTreeMap<(usize, Rule, usize), Finding>,
    found: usize,
    /// Everything before this offset went to the sink.
    released: usize,
    sink: &'s mut dyn FnMut(Finding),
}

impl<'s> InOrder<'s> {
    fn new(sink: &'s mut dyn FnMut(Finding)) -> Self {
        InOrder {
            held: std::collections::BTreeMap::new(),
            found: 0,
            released: 0,
            sink,
        }
    }

    fn push(&mut self, finding: Finding) {
        debug_assert!(
            finding.span.start >= self.released,
            "{} reported at {} after the findings before {} were written",
            finding.rule,
            finding.span.start,
            self.released
        );
        self.found += 1;
        self.held
            .insert((finding.span.start, finding.rule, self.found), finding);
    }

    /// Hand every finding that starts before `offset` to the sink.
    fn release_before(&mut self, offset: usize) {
        while let Some(entry) = self.held.first_entry() {
            if entry.key().0 >= offset {
                break;
            }
            (self.sink)(entry.remove());
        }
        self.released = self.released.max(offset);
    }
}

/// Reads a file's statements in order, recovering from the ones PostgreSQL would reject.
struct FileReader<'t> {
    text: &'t str,
    state: statement::FileState<'t>,
    actions: Vec<Action>,
    stats: Stats,
}

impl FileReader<'_> {
    /// Read the statement at `span`; `recover`: look for a syntax error when it does not parse.
    fn statement(&mut self, span: std::ops::Range<usize>, recover: bool) {
        let saved = self.state.clone();
        let first_new = self.actions.len();
        let understood = statement::top_level(&mut self.state, span.clone(), &mut self.actions);
        if understood.parsed != Parsed::Fully && recover {
            if let Some(problem) = recover::problem(self.text, span.clone()) {
                self.actions.truncate(first_new);
                self.state = saved;
                return self.recovered(span, problem);
            }
        }
        self.stats.statements += 1;
        match understood.parsed {
            Parsed::Fully => self.stats.parsed += 1,
            Parsed::Fallback => self.stats.fallback += 1,
            Parsed::NotAtAll => self.stats.unparsed += 1,
        }
        if understood.parsed != Parsed::Fully {
            let kind = Kind::Unparsed {
                how: understood.parsed,
                reason: understood.reason.unwrap_or_default(),
            };
            self.actions.push(Action::new(kind, span.clone(), span));
        }
    }

    /// A statement with a syntax error: report it, and read what it swallowed as statements of
    /// their own.
    fn recovered(&mut self, span: std::ops::Range<usize>, problem: recover::Problem) {
        let kind = Kind::SyntaxError {
            message: problem.message,
        };
        self.actions
            .push(Action::new(kind, problem.at, span.clone()));
        let Some(cut) = problem.cut.filter(|&c| c > span.start && c < span.end) else {
            self.statement(span, false);
            return;
        };
        self.statement(span.start..cut, false);
        let rest = &self.text[cut..span.end];
        for piece in source::split(rest) {
            self.piece(piece.kind, cut + piece.span.start..cut + piece.span.end);
        }
    }

    /// Read one piece of the file at `span`: a statement, or a psql meta-command (COPY data is
    /// not read).
    fn piece(&mut self, kind: source::PieceKind, span: std::ops::Range<usize>) {
        match kind {
            source::PieceKind::Statement => self.statement(span, true),
            source::PieceKind::MetaCommand => {
                self.actions
                    .push(Action::new(Kind::MetaCommand, span.clone(), span))
            }
            source::PieceKind::CopyData => {}
        }
    }
}

/// A locking warning knowing the database: the size of the table it locks in its message, info
/// below `--small-table-rows` or on a table the database does not have yet. Errors (a statement
/// that fails whatever the table) are left as they are.
fn sized(rule: Rule, mut hit: rules::Hit, action: &Action, tables: &tables::Tables) -> rules::Hit {
    let severity = hit.severity.unwrap_or(rule.default_severity());
    if rule.category() != Category::Locking || severity != Severity::Warning {
        return hit;
    }
    let Some(table) = &action.table else {
        return hit;
    };
    match tables.get(table) {
        Some((name, info)) => {
            hit.message = format!("{} ({name}: {})", hit.message, info.size());
            if info.rows >= 0.0 && info.rows < tables.small_rows as f64 {
                hit.message.push_str(&format!(
                    "; below --small-table-rows {}, so info",
                    tables.small_rows
                ));
                hit.severity = Some(Severity::Info);
            }
        }
        None => {
            hit.message
                .push_str(" (the database has no such table yet: a new table, so info)");
            hit.severity = Some(Severity::Info);
        }
    }
    hit
}

/// The `unknown-suppression` findings: suppression comments naming no rule or category.
fn unknown_suppressions(
    suppressions: &suppress::Suppressions,
    lines: &source::LineIndex,
) -> Vec<Finding> {
    let rule = Rule::UnknownSuppression;
    rules::unknown_suppression(suppressions)
        .into_iter()
        .map(|(span, message, help)| Finding {
            rule,
            severity: rule.default_severity(),
            category: rule.category(),
            start: lines.line_col(span.start),
            end: lines.line_col(span.end),
            span,
            message,
            help,
            fix: None,
        })
        .collect()
}

fn finding(
    rule: Rule,
    hit: rules::Hit,
    text: &str,
    lines: &source::LineIndex,
    action: &Action,
) -> Finding {
    let fix = hit.fix.map(|fix| {
        let statement = &action.statement;
        let fixed = if fix.span.start >= statement.start && fix.span.end <= statement.end {
            if fix.span == *statement {
                fix.replacement.clone()
            } else {
                let before = &text[statement.start..fix.span.start];
                let after = &text[fix.span.end..statement.end];
                let mut fixed =
                    String::with_capacity(before.len() + fix.replacement.len() + after.len());
                fixed.push_str(before);
                fixed.push_str(&fix.replacement);
                fixed.push_str(after);
                fixed
            }
        } else {
            fix.replacement.clone()
        };
        ReportedFix {
            title: fix.title,
            span: fix.span,
            replacement: fix.replacement,
            safe: fix.safe,
            statement: fixed,
        }
    });
    Finding {
        rule,
        severity: hit.severity.unwrap_or(rule.default_severity()),
        category: rule.category(),
        start: lines.line_col(hit.span.start),
        end: lines.line_col(hit.span.end),
        span: hit.span,
        message: hit.message,
        help: hit.help,
        fix,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lint::Selection;

    /// The findings of one text as the sink gets them: (line, rule).
    fn streamed(text: &str, settings: &Settings) -> Vec<(usize, Rule)> {
        let mut order = Vec::new();
        lint_file_to(text, settings, &mut |f| order.push((f.start.0, f.rule)));
        order
    }

    #[test]
    fn a_rule_that_reads_to_the_end_of_the_transaction_holds_the_findings_after_it() {
        let text = "BEGIN;\nALTER TYPE mood ADD VALUE 'happy';\nCREATE TABLE t (id int);\nUPDATE people SET mood = 'happy';\nCOMMIT;\nCREATE TABLE u (id int);\n";
        let selection = Selection::all();
        let order = streamed(text, &Settings::new(&selection));
        assert!(
            order.contains(&(2, Rule::EnumValueUsedInSameTransaction)),
            "{order:?}"
        );
        assert!(order.is_sorted(), "{order:?}");
        assert_eq!(
            order.last(),
            Some(&(6, Rule::CreateTableWithoutIfNotExists))
        );
        // With no COMMIT, the transaction ends with the file.
        let open = "BEGIN;\nALTER TYPE mood ADD VALUE 'happy';\nCREATE TABLE t (id int);\nUPDATE people SET mood = 'happy';\n";
        let order = streamed(open, &Settings::new(&selection));
        assert!(
            order.contains(&(2, Rule::EnumValueUsedInSameTransaction)),
            "{order:?}"
        );
        assert!(order.is_sorted(), "{order:?}");
    }

    #[test]
    fn the_facts_of_a_statement_are_those_of_the_statements_before_it() {
        // The type change of one statement sees the ADD COLUMN before it in the same statement;
        // the rename is safe after the drop and the add before it, until the table is dropped
        // and created again, which makes what its columns are unknown.
        let text = "ALTER TABLE t ADD COLUMN c varchar(10), ALTER COLUMN c TYPE varchar(20);\nALTER TABLE t DROP COLUMN IF EXISTS e;\nALTER TABLE t ADD COLUMN IF NOT EXISTS d int;\nALTER TABLE t RENAME COLUMN d TO e;\nDROP TABLE IF EXISTS t;\nCREATE TABLE IF NOT EXISTS t (id int);\nALTER TABLE t RENAME COLUMN d TO e;\n";
        let selection = Selection::all();
        let order = streamed(text, &Settings::new(&selection));
        assert!(!order.contains(&(1, Rule::AlterColumnType)), "{order:?}");
        assert!(!order.contains(&(4, Rule::RenameWithoutGuard)), "{order:?}");
        assert!(order.contains(&(7, Rule::RenameWithoutGuard)), "{order:?}");
    }
}
