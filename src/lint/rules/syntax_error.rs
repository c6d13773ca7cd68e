//! `syntax-error`: a statement PostgreSQL rejects as written — two statements glued by a
//! missing `;`, an unclosed `(` or an extra `)`, an unterminated string, quoted identifier or
//! comment. The migration fails. The statements after it are still read (from the next line
//! that ends in `;`, or from where the second glued statement starts), so that none is lost.
//! Statements that are valid PostgreSQL but that the parser does not know are not this rule's
//! (`unparsed-statement`, info).

use super::Hit;
use crate::lint::action::{Action, Kind};
use crate::lint::context::Ctx;

pub fn syntax_error(action: &Action, _ctx: &Ctx) -> Option<Hit> {
    let Kind::SyntaxError { message } = &action.kind else {
        return None;
    };
    Some(Hit::new(
        action,
        message.clone(),
        "fix the statement: PostgreSQL rejects it, so the migration fails here",
    ))
}

#[cfg(test)]
mod tests {
    use crate::lint::rules::test::{lint_errors, lint_ok};
    use crate::lint::{lint_text, Rule, Selection};

    const RULE: Rule = Rule::SyntaxError;

    /// Two statements glued by a missing semicolon fail the run, and both are still linted.
    #[test]
    fn a_missing_semicolon_between_two_statements_is_an_error() {
        let sql = "ALTER TABLE crates ADD COLUMN IF NOT EXISTS a int\nDROP TABLE versions;";
        let found = lint_errors(sql, RULE);
        assert!(found[0].message.contains("`;` is missing before this DROP"), "{}", found[0].message);
        let report = lint_text("t.sql", sql, &Selection::all());
        assert!(report.findings.iter().any(|f| f.rule == Rule::DropTable), "{:#?}", report.findings);
        assert_eq!(report.stats.statements, 2);
    }

    /// An unclosed parenthesis no longer hides the statements after it.
    #[test]
    fn an_unclosed_parenthesis_hides_no_later_statement() {
        let sql = "CREATE TABLE IF NOT EXISTS a (id int;\nDROP TABLE b;\nALTER TABLE c ADD COLUMN d int;\n";
        let found = lint_errors(sql, RULE);
        assert_eq!(found[0].start, (1, 30));
        let report = lint_text("t.sql", sql, &Selection::all());
        let rules: Vec<Rule> = report.findings.iter().map(|f| f.rule).collect();
        assert!(rules.contains(&Rule::DropTable), "{rules:?}");
        assert!(rules.contains(&Rule::AddColumnWithoutIfNotExists), "{rules:?}");
    }

    #[test]
    fn an_unterminated_string_or_extra_parenthesis() {
        let sql = "INSERT INTO a VALUES ('x) ON CONFLICT DO NOTHING;\nDROP TABLE b;\n";
        lint_errors(sql, RULE);
        let report = lint_text("t.sql", sql, &Selection::all());
        assert!(report.findings.iter().any(|f| f.rule == Rule::DropTable));
        lint_errors("CREATE TABLE IF NOT EXISTS a (id int));", RULE);
    }

    #[test]
    fn valid_statements_sqlparser_does_not_know_are_not_errors() {
        lint_ok("DROP INDEX CONCURRENTLY IF EXISTS ix;", RULE);
        lint_ok(
            "ALTER TABLE t ADD COLUMN IF NOT EXISTS a int REFERENCES b ON\nDELETE CASCADE;",
            RULE,
        );
        lint_ok("CREATE TABLE IF NOT EXISTS a (id int);\nSELECT 1;", RULE);
        lint_ok("GRANT SELECT ON ALL TABLES IN SCHEMA public\n  TO reader;", RULE);
    }
}
