use std::collections::BTreeMap;

use crate::config::Level;
use crate::naming::Kind;
use crate::rules::{FolderContext, Rule, Sink};

pub static RULE: Rule = Rule {
    id: "duplicate-callback",
    category: "naming",
    default_level: Level::Error,
    summary: "Two SQL callbacks with the same name (`afterMigrate.sql` in two folders): Flyway refuses to run",
    doc: r#"## What it does
Flags SQL callbacks whose names without the suffix are the same, e.g. `afterMigrate.sql` in two
locations, or `beforeMigrate__grants.sql` beside `beforeMigrate__grants.pgsql` when both
suffixes are configured.

## Why is this bad?
Flyway collects the SQL callbacks of all locations by name (`SqlScriptCallbackFactory`) and stops
with "Found more than 1 SQL callback script called afterMigrate!" when two share one, before it
runs the command.

## Example
```text
common/afterMigrate.sql
reporting/afterMigrate.sql
```

## Use instead
```text
common/afterMigrate__common.sql
reporting/afterMigrate__reporting.sql
```
"#,
    convention: None,
    tag: None,
};

pub fn check(cx: &FolderContext, sink: &mut Sink) {
    let mut groups: BTreeMap<&str, Vec<_>> = BTreeMap::new();
    for (file, name) in cx.set.migrations(&[Kind::Callback]) {
        let stem = &name.file_name[..name.file_name.len() - name.suffix.len()];
        groups.entry(stem).or_default().push(file);
    }
    for (stem, files) in groups.into_iter().filter(|(_, f)| f.len() > 1) {
        // Paths from the project folder: the files are in different locations, where their
        // script names (relative to the location) may be the same.
        let base = &cx.project.config.base_dir;
        let scripts: Vec<String> = files
            .iter()
            .map(|f| {
                f.path
                    .strip_prefix(base)
                    .unwrap_or(&f.path)
                    .to_string_lossy()
                    .into_owned()
            })
            .collect();
        for file in &files {
            let related = super::others(&files, file, &format!("also SQL callback {stem}"));
            if let Some(d) = sink.file(
                &RULE,
                file,
                format!(
                    "Found more than 1 SQL callback script called {stem}! ({}). Flyway stops before running any command; give each a distinct description ({stem}__description)",
                    scripts.join(", ")
                ),
            ) {
                d.related = related;
            }
        }
    }
}
