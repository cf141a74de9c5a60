use crate::config::Level;
use crate::diagnostic::Fix;
use crate::naming::Classified;
use crate::rules::{DiagnosticExt, FolderContext, Rule, Sink};

pub static RULE: Rule = Rule {
    id: "wrong-suffix",
    category: "naming",
    default_level: Level::Warning,
    summary: "Migration-like file without an SQL migration suffix (`V2__x.txt`, `V3__y.sql.bak`): Flyway ignores it; or with the suffix in another case (`V1__init.SQL`)",
    doc: r#"## What it does
Flags files named like migrations (`V1__…`, `R__…`) whose name does not end with one of the
`sqlMigrationSuffixes` (`.sql` by default), such as `V2__users.sql.bak` or `V3__orders.txt`,
and migrations whose suffix is written in another case than configured (`V1__init.SQL`).
`V1__init.sql.conf` (a migration's own config file) and Java or Kotlin migrations
(`V2__backfill.java`, `.kt`, `.class`) are not flagged.

## Why is this bad?
Flyway only reads files ending in a configured suffix: any other file is ignored without a
message, so the migration never runs. Current Flyway compares the suffix without regard to case
(`StringUtils.startsAndEndsWith`), so `V1__init.SQL` runs; older releases compared it
case-sensitively and ignored such a file, and tools or globs that look for `*.sql` miss it.

## Example
```text
V4__add_index.SQL
V5__add_column.sql.bak
```

## Use instead
```text
V4__add_index.sql
V5__add_column.sql
```
"#,
    convention: None,
    tag: None,
};

pub fn check(cx: &FolderContext, sink: &mut Sink) {
    let suffixes = cx.parser.suffixes();
    for file in &cx.set.files {
        // A migration whose suffix is the configured one in another case: Flyway runs it.
        if !matches!(file.class, Classified::NotSql) {
            let Some(suffix) = cx.parser.sql_suffix(&file.file_name) else {
                continue;
            };
            let written = &file.file_name[file.file_name.len() - suffix.len()..];
            if written != suffix.as_str() && cx.parser.looks_like_migration(&file.file_name) {
                let new_name = format!(
                    "{}{suffix}",
                    &file.file_name[..file.file_name.len() - suffix.len()]
                );
                let taken = cx
                    .set
                    .files
                    .iter()
                    .any(|f| f.path == file.path.with_file_name(&new_name));
                let diagnostic = sink.file(
                    &RULE,
                    file,
                    format!(
                        "{} ends with `{written}`, not `{suffix}`: current Flyway runs it (its suffix test ignores case), older releases ignored it. Rename it to {new_name}",
                        file.file_name
                    ),
                );
                if !taken {
                    diagnostic.with_fix(Fix::RenameFile { new_name });
                }
            }
            continue;
        }
        if !cx.parser.looks_like_migration(&file.file_name)
            || file.file_name.ends_with(".conf")
            || crate::index::CODE_SUFFIXES
                .iter()
                .chain(&[".class"])
                .any(|s| file.file_name.ends_with(s))
        {
            continue;
        }
        let expected = suffixes.first().map(String::as_str).unwrap_or(".sql");
        // No fix: `V5__x.sql.bak` is often a copy of a migration that exists.
        sink.file(
            &RULE,
            file,
            format!(
                "{} does not end with {}, so Flyway ignores it. Give it the `{expected}` suffix if it is a migration",
                file.file_name,
                suffixes
                    .iter()
                    .map(|s| format!("`{s}`"))
                    .collect::<Vec<_>>()
                    .join(" or ")
            ),
        );
    }
}
