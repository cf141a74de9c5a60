//! The tree-sitter queries in queries/: every one compiles against tree-sitter-sequel (the
//! grammar editors use for SQL), and the highlights capture exactly the placeholders and
//! directive comments the server's own lexer finds (so editor highlighting and the server's
//! semantic tokens agree).

use std::path::Path;

use flyway_lsp::sql::lexer::{tokenize, TokenKind};
use flyway_lsp::sql::Dialect;
use tree_sitter::StreamingIterator;

fn language() -> tree_sitter::Language {
    tree_sitter_sequel::LANGUAGE.into()
}

fn query_files() -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    let root = super::repo_root().join("queries");
    for entry in walk(&root) {
        if entry.extension().is_some_and(|e| e == "scm") {
            out.push(entry);
        }
    }
    out.sort();
    out
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out
}

#[test]
fn every_query_compiles_against_the_grammar() {
    let files = query_files();
    assert!(!files.is_empty(), "no queries found");
    for file in files {
        let source = std::fs::read_to_string(&file).unwrap();
        if let Err(e) = tree_sitter::Query::new(&language(), &source) {
            panic!("{}: {e}", file.display());
        }
    }
}

/// (capture name, text) of every highlight capture the Flyway patterns make in `source`.
fn captures(source: &str) -> Vec<(String, String)> {
    let query_text =
        std::fs::read_to_string(super::repo_root().join("queries/sql/highlights.scm")).unwrap();
    let query = tree_sitter::Query::new(&language(), &query_text).unwrap();
    let mut parser = tree_sitter::Parser::new();
    parser.set_language(&language()).unwrap();
    let tree = parser.parse(source, None).unwrap();
    let mut cursor = tree_sitter::QueryCursor::new();
    let mut matches = cursor.matches(&query, tree.root_node(), source.as_bytes());
    let mut out = Vec::new();
    while let Some(m) = matches.next() {
        // The bindings apply #eq? / #match? while matching, as editors do.
        for c in m.captures() {
            let name = query.capture_names()[c.index as usize].to_string();
            if name.starts_with('_') {
                continue;
            }
            out.push((name, source[c.node.byte_range()].to_string()));
        }
    }
    out.sort();
    out.dedup();
    out
}

#[test]
fn highlights_capture_placeholders_and_directives_like_the_server() {
    let source = "-- flyway-lsp-ignore require-lock-timeout\n-- flyway:executeInTransaction=false\nCREATE TABLE ${schema}.users (id int);\nGRANT SELECT ON users TO ${role};\nINSERT INTO users VALUES ('${owner}');\n-- an ordinary comment\n";
    let found = captures(source);
    let names: Vec<&str> = found
        .iter()
        .filter(|(c, _)| c == "variable.parameter")
        .map(|(_, t)| t.as_str())
        .collect();
    assert_eq!(names, ["role", "schema"], "{found:?}");
    assert!(
        found.contains(&("string.special".into(), "'${owner}'".into())),
        "{found:?}"
    );
    let directives: Vec<&str> = found
        .iter()
        .filter(|(c, _)| c == "keyword.directive")
        .map(|(_, t)| t.as_str())
        .collect();
    assert_eq!(
        directives,
        [
            "-- flyway-lsp-ignore require-lock-timeout",
            "-- flyway:executeInTransaction=false"
        ]
    );
    // The server's lexer finds the same placeholders (its semantic tokens come from it).
    let mut from_lexer: Vec<String> = tokenize(source, Dialect::Postgres)
        .iter()
        .filter(|t| t.kind == TokenKind::Placeholder)
        .map(|t| {
            t.text(source)
                .trim_start_matches("${")
                .trim_end_matches('}')
                .to_string()
        })
        .collect();
    from_lexer.sort();
    assert_eq!(from_lexer, ["role", "schema"]);
}
