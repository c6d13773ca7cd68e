//! The lint settings that act on the engine's results rather than on its input: files excluded
//! by glob, rules ignored per file, and per-rule severities. They are applied to each file's
//! report after the engine ran, so the engine itself knows nothing of the configuration file.
//!
//! Globs are matched against a file's path relative to the configuration file's directory; a
//! glob without `/` also matches the bare file name.

use std::path::{Path, PathBuf};

use globset::{Glob, GlobMatcher};

use crate::lint::{FileReport, Finding, Rule, Selection, Severity};

/// What the `[lint]` table changes about a lint run. The default changes nothing.
#[derive(Debug, Clone, Default)]
pub struct LintAdjust {
    /// The directory globs are relative to.
    base: PathBuf,
    exclude: Vec<GlobMatcher>,
    /// Per-file ignores: the files a glob matches, and the rules still enabled there.
    per_file: Vec<(GlobMatcher, Selection)>,
    /// Per-rule severity; `None` turns the rule off.
    severity: Vec<(Rule, Option<Severity>)>,
}

impl LintAdjust {
    /// Builds the adjustments from validated values (invalid entries were rejected when the file
    /// was read, so none is expected to fail here; one that does is left out).
    pub fn new(
        base: &Path,
        exclude: &[String],
        per_file: &[(String, Vec<String>)],
        severity: &[(String, String)],
    ) -> LintAdjust {
        let matcher = |glob: &str| Glob::new(glob).ok().map(|g| g.compile_matcher());
        LintAdjust {
            base: base.to_path_buf(),
            exclude: exclude.iter().filter_map(|g| matcher(g)).collect(),
            per_file: per_file
                .iter()
                .filter_map(|(glob, rules)| {
                    Some((matcher(glob)?, Selection::new(&[], rules).ok()?))
                })
                .collect(),
            severity: severity
                .iter()
                .filter_map(|(rule, level)| {
                    let level = match level.as_str() {
                        "error" => Some(Severity::Error),
                        "warning" => Some(Severity::Warning),
                        "info" => Some(Severity::Info),
                        _ => None,
                    };
                    Some((Rule::from_name(rule)?, level))
                })
                .collect(),
        }
    }

    /// Whether the file at `path` is excluded from linting.
    pub fn excluded(&self, path: &Path) -> bool {
        self.exclude.iter().any(|glob| self.matches(glob, path))
    }

    /// Applies the per-file ignores and the severities to one file's findings.
    pub fn apply(&self, path: &Path, report: &mut FileReport) {
        let adjust = self.for_file(path);
        report.findings.retain_mut(|f| adjust.keep(f));
    }

    /// The adjustments of the file at `path`, to apply to its findings one by one.
    pub fn for_file(&self, path: &Path) -> FileAdjust<'_> {
        FileAdjust {
            enabled: self
                .per_file
                .iter()
                .filter(|(glob, _)| self.matches(glob, path))
                .map(|(_, enabled)| enabled)
                .collect(),
            severity: &self.severity,
        }
    }

    fn matches(&self, glob: &GlobMatcher, path: &Path) -> bool {
        let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
        let relative = absolute.strip_prefix(&self.base).unwrap_or(path);
        if glob.is_match(relative) {
            return true;
        }
        !glob.glob().glob().contains('/') && path.file_name().is_some_and(|n| glob.is_match(n))
    }
}

/// The `[lint]` adjustments of one file: the rules its per-file ignores leave, and the
/// per-rule severities.
#[derive(Debug)]
pub struct FileAdjust<'a> {
    enabled: Vec<&'a Selection>,
    severity: &'a [(Rule, Option<Severity>)],
}

impl FileAdjust<'_> {
    /// Whether `finding` is still reported, with its severity set as configured.
    pub fn keep(&self, finding: &mut Finding) -> bool {
        if !self.enabled.iter().all(|e| e.enabled(finding.rule)) {
            return false;
        }
        for (rule, level) in self.severity {
            if *rule == finding.rule {
                match level {
                    Some(level) => finding.severity = *level,
                    None => return false,
                }
            }
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_glob_without_slash_matches_the_file_name() {
        let adjust = LintAdjust::new(Path::new("/project"), &["*_seed.sql".to_string()], &[], &[]);
        assert!(adjust.excluded(Path::new("/project/migrations/001_seed.sql")));
        assert!(!adjust.excluded(Path::new("/project/migrations/001_init.sql")));
    }

    #[test]
    fn a_glob_with_slash_is_relative_to_the_base() {
        let adjust = LintAdjust::new(Path::new("/project"), &["legacy/**".to_string()], &[], &[]);
        assert!(adjust.excluded(Path::new("/project/legacy/a/001.sql")));
        assert!(!adjust.excluded(Path::new("/project/migrations/legacy.sql")));
    }
}
