//! The SQL texts tests read: the project's fixtures and rule examples, and the shared corpus of
//! real migrations when it sits beside the checkout (a clone of the project alone has no corpus,
//! so tests over it pass, with a note, without it).

use std::path::Path;

/// The SQL of every fixture and of every example in the rule pages.
pub fn fixture_texts() -> Vec<(String, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut texts = Vec::new();
    for entry in walkdir::WalkDir::new(root.join("fixtures/lint")).sort_by_file_name() {
        let Ok(entry) = entry else { continue };
        if entry.path().extension().is_some_and(|e| e == "sql") {
            let text = std::fs::read_to_string(entry.path()).unwrap();
            texts.push((entry.path().display().to_string(), text));
        }
    }
    for entry in walkdir::WalkDir::new(root.join("rules")).sort_by_file_name() {
        let Ok(entry) = entry else { continue };
        if entry.path().extension().is_none_or(|e| e != "md") {
            continue;
        }
        let page = std::fs::read_to_string(entry.path()).unwrap();
        for (n, block) in page.split("```sql\n").skip(1).enumerate() {
            let sql = block.split("```").next().unwrap_or("");
            texts.push((format!("{}#{n}", entry.path().display()), sql.to_string()));
        }
    }
    texts
}

/// Calls `f` with the path and text of every `.sql` file of the shared corpus of real
/// migrations; false (with a note) when there is no corpus.
pub fn for_each_corpus_file(mut f: impl FnMut(&str, &str)) -> bool {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus");
    if !root.is_dir() {
        eprintln!("skipped: no corpus at {}", root.display());
        return false;
    }
    for entry in walkdir::WalkDir::new(&root).sort_by_file_name() {
        let Ok(entry) = entry else { continue };
        if entry.path().extension().is_none_or(|e| e != "sql") {
            continue;
        }
        let Ok(text) = std::fs::read_to_string(entry.path()) else {
            continue;
        };
        f(&entry.path().display().to_string(), &text);
    }
    true
}
