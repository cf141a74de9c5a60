use std::collections::BTreeMap;

use crate::config::Level;
use crate::naming::Kind;
use crate::rules::{FolderContext, Rule, Sink};

pub static RULE: Rule = Rule {
    id: "duplicate-repeatable",
    category: "versions",
    default_level: Level::Error,
    summary: "Two repeatable migrations with the same description: Flyway refuses to migrate",
    doc: r#"## What it does
Flags repeatable migrations whose descriptions are the same as Flyway compares them (underscores
read as spaces), e.g. `R__views.sql` in two folders, or `R__my_views.sql` beside
`R__my views.sql`.

## Why is this bad?
Flyway identifies a repeatable migration by its description. With two of them it stops with
"Found more than one repeatable migration with description …".

## Example
```text
common/R__refresh_views.sql
reporting/R__refresh_views.sql
```

## Use instead
```text
common/R__refresh_common_views.sql
reporting/R__refresh_reporting_views.sql
```
"#,
    convention: None,
    tag: None,
};

pub fn check(cx: &FolderContext, sink: &mut Sink) {
    let mut groups: BTreeMap<String, Vec<_>> = BTreeMap::new();
    for (file, name) in cx.set.migrations(&[Kind::Repeatable]) {
        groups.entry(name.description()).or_default().push(file);
    }
    for (description, files) in groups.into_iter().filter(|(_, f)| f.len() > 1) {
        let scripts: Vec<&str> = files.iter().map(|f| f.script.as_str()).collect();
        for file in &files {
            let related = super::others(
                &files,
                file,
                &format!("also repeatable migration \"{description}\""),
            );
            if let Some(d) = sink.file(
                &RULE,
                file,
                format!(
                    "Found more than one repeatable migration with description \"{description}\" ({}). Flyway refuses to migrate; give each a distinct description",
                    scripts.join(", ")
                ),
            ) {
                d.related = related;
            }
        }
    }
}
