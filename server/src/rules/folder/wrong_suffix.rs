use crate::config::Level;
use crate::diagnostic::Fix;
use crate::naming::Classified;
use crate::rules::{DiagnosticExt, FolderContext, Rule, Sink};

pub static RULE: Rule = Rule {
    id: "wrong-suffix",
    category: "naming",
    default_level: Level::Warning,
    summary: "Migration-like file without an SQL migration suffix (`V1__init.SQL`, `V2__x.txt`): Flyway ignores it",
    doc: r#"## What it does
Flags files named like migrations (`V1__…`, `R__…`) whose name does not end with one of the
`sqlMigrationSuffixes` (`.sql` by default), such as `V1__init.SQL`, `V2__users.sql.bak` or
`V3__orders.txt`. `V1__init.sql.conf` (a migration's own config file) and Java or Kotlin
migrations (`V2__backfill.java`, `.kt`, `.class`) are not flagged.

## Why is this bad?
Flyway only reads files ending in a configured suffix, compared case-sensitively. Any other file
is ignored without a message, so the migration never runs.

## Example
```text
V4__add_index.SQL
```

## Use instead
```text
V4__add_index.sql
```
"#,
    convention: None,
    tag: None,
};

pub fn check(cx: &FolderContext, sink: &mut Sink) {
    let suffixes = cx.parser.suffixes();
    for file in &cx.set.files {
        if !matches!(file.class, Classified::NotSql)
            || !cx.parser.looks_like_migration(&file.file_name)
            || file.file_name.ends_with(".conf")
            || crate::index::CODE_SUFFIXES
                .iter()
                .chain(&[".class"])
                .any(|s| file.file_name.ends_with(s))
        {
            continue;
        }
        let expected = suffixes.first().map(String::as_str).unwrap_or(".sql");
        // `.SQL` → `.sql`; `.sql.bak` / `.txt` → replace the last extension.
        let lower = file.file_name.to_ascii_lowercase();
        let fixed = suffixes
            .iter()
            .find(|s| lower.ends_with(&s.to_ascii_lowercase()))
            .map(|s| format!("{}{s}", &file.file_name[..file.file_name.len() - s.len()]));
        let message = match &fixed {
            Some(new_name) => format!(
                "{} does not end with `{expected}` (suffixes are case-sensitive), so Flyway ignores it. Rename it to {new_name}",
                file.file_name
            ),
            None => format!(
                "{} does not end with {}, so Flyway ignores it. Give it the `{expected}` suffix if it is a migration",
                file.file_name,
                suffixes
                    .iter()
                    .map(|s| format!("`{s}`"))
                    .collect::<Vec<_>>()
                    .join(" or ")
            ),
        };
        let diagnostic = sink.file(&RULE, file, message);
        if let Some(new_name) = fixed {
            diagnostic.with_fix(Fix::RenameFile { new_name });
        }
    }
}
