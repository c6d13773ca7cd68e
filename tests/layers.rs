//! The module graph of the library has no cycle: every module imports only modules below it.
//! Read from the sources (`crate::a`, `use crate::{a, b::c}`, `super::` at the top level), by
//! top-level module of `src/`; a cycle fails with the modules on it.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The top-level modules of the library and, for each, the top-level modules it imports.
fn module_graph(src: &Path) -> BTreeMap<String, BTreeSet<String>> {
    let lib = std::fs::read_to_string(src.join("lib.rs")).expect("src/lib.rs");
    let modules: BTreeSet<String> = lib
        .lines()
        .filter_map(|line| line.trim().strip_prefix("pub mod "))
        .map(|rest| rest.trim_end_matches(';').to_string())
        .collect();
    // `pub use error::Error;` in lib.rs: `crate::Error` is the `error` module's.
    let reexports: BTreeMap<String, String> = lib
        .lines()
        .filter_map(|line| line.trim().strip_prefix("pub use "))
        .filter_map(|path| {
            let (module, item) = path.trim_end_matches(';').split_once("::")?;
            Some((item.to_string(), module.to_string()))
        })
        .collect();
    let mut graph = BTreeMap::new();
    for module in &modules {
        let mut imports = BTreeSet::new();
        for file in module_files(src, module) {
            let text = std::fs::read_to_string(&file).expect("source file");
            let code = without_comments(&text);
            let at_top = file.parent() == Some(src) || file.ends_with(format!("{module}/mod.rs"));
            for name in imported_roots(&code, at_top) {
                let target = reexports.get(&name).cloned().unwrap_or(name);
                if modules.contains(&target) && &target != module {
                    imports.insert(target);
                }
            }
        }
        graph.insert(module.clone(), imports);
    }
    graph
}

fn module_files(src: &Path, module: &str) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let single = src.join(format!("{module}.rs"));
    if single.is_file() {
        files.push(single);
    }
    let dir = src.join(module);
    if dir.is_dir() {
        for entry in walkdir::WalkDir::new(&dir).sort_by_file_name() {
            let entry = entry.expect("walk src");
            if entry.path().extension().is_some_and(|e| e == "rs") {
                files.push(entry.into_path());
            }
        }
    }
    files
}

/// The code without `//` comments (doc comments name modules in prose and links).
fn without_comments(text: &str) -> String {
    text.lines()
        .map(|line| match line.find("//") {
            Some(at) if !line[..at].contains('"') => &line[..at],
            _ => line,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The first path segment after every `crate::` (every item of a `crate::{...}` group), and
/// after `super::` in a top-level module's own file.
fn imported_roots(code: &str, at_top: bool) -> Vec<String> {
    let mut roots = Vec::new();
    let mut prefixes = vec!["crate::"];
    if at_top {
        prefixes.push("super::");
    }
    for prefix in prefixes {
        for (at, _) in code.match_indices(prefix) {
            let before = code[..at].chars().next_back();
            if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
                continue;
            }
            let rest = &code[at + prefix.len()..];
            if let Some(group) = rest.strip_prefix('{') {
                roots.extend(group_roots(group));
            } else {
                roots.push(identifier(rest));
            }
        }
    }
    roots
}

/// The first segment of each comma-separated item of a `{...}` group, at depth 0.
fn group_roots(group: &str) -> Vec<String> {
    let mut roots = Vec::new();
    let mut depth = 0;
    let mut item_start = true;
    for (i, c) in group.char_indices() {
        match c {
            '{' => depth += 1,
            '}' if depth == 0 => break,
            '}' => depth -= 1,
            ',' if depth == 0 => item_start = true,
            c if item_start && !c.is_whitespace() => {
                roots.push(identifier(&group[i..]));
                item_start = false;
            }
            _ => {}
        }
    }
    roots
}

fn identifier(text: &str) -> String {
    text.chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_')
        .collect()
}

/// A cycle of the graph, as the modules on it, if there is one.
fn find_cycle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit<'a>(
        node: &'a str,
        graph: &'a BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<&'a str>,
        done: &mut BTreeSet<&'a str>,
    ) -> Option<Vec<String>> {
        if let Some(start) = path.iter().position(|n| *n == node) {
            let mut cycle: Vec<String> = path[start..].iter().map(|n| n.to_string()).collect();
            cycle.push(node.to_string());
            return Some(cycle);
        }
        if !done.insert(node) {
            return None;
        }
        path.push(node);
        for next in graph.get(node).into_iter().flatten() {
            if let Some(cycle) = visit(next, graph, path, done) {
                return Some(cycle);
            }
        }
        path.pop();
        None
    }
    let mut done = BTreeSet::new();
    graph
        .keys()
        .find_map(|node| visit(node, graph, &mut Vec::new(), &mut done))
}

#[test]
fn the_module_graph_has_no_cycle() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let graph = module_graph(&src);
    assert!(graph.len() > 10, "modules found: {graph:?}");
    assert!(
        graph["commands"].contains("pipeline"),
        "the reader sees imports: {graph:?}"
    );
    if let Some(cycle) = find_cycle(&graph) {
        panic!(
            "import cycle: {}\n\nthe graph:\n{}",
            cycle.join(" -> "),
            graph
                .iter()
                .map(|(m, deps)| format!(
                    "  {m} -> {}",
                    deps.iter().cloned().collect::<Vec<_>>().join(", ")
                ))
                .collect::<Vec<_>>()
                .join("\n")
        );
    }
}

#[test]
fn the_cycle_finder_sees_a_cycle() {
    let graph: BTreeMap<String, BTreeSet<String>> = [
        ("a", vec!["b"]),
        ("b", vec!["c"]),
        ("c", vec!["a"]),
        ("d", vec![]),
    ]
    .into_iter()
    .map(|(m, deps)| (m.to_string(), deps.into_iter().map(String::from).collect()))
    .collect();
    assert_eq!(find_cycle(&graph).unwrap(), ["a", "b", "c", "a"]);
}

#[test]
fn grouped_and_nested_imports_are_read() {
    let roots = imported_roots(
        "use crate::{canon, model::{Index, Schema}, Error};\nlet x = crate::types::canonical(y);",
        false,
    );
    assert_eq!(roots, ["canon", "model", "Error", "types"]);
}
