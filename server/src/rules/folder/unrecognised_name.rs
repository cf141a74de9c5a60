use crate::config::Level;
use crate::naming::Classified;
use crate::rules::{FolderContext, Rule, Sink};

pub static RULE: Rule = Rule {
    id: "unrecognised-name",
    category: "naming",
    default_level: Level::Warning,
    summary: "SQL file in a migration location that Flyway does not recognise as a migration (`001_init.sql`)",
    doc: r#"## What it does
Flags files with an SQL migration suffix inside a migration location whose name starts with no
migration prefix and no callback event name, such as `001_init.sql` or `create_users.sql`.

## Why is this bad?
Flyway reports "Unrecognised migration name format" and skips the file unless
`validateMigrationNaming` is on. If it was meant as a migration, it never runs; if it is a helper
script, it is better kept outside the migration locations.

## Example
```text
db/migration/001_create_users.sql
```

## Use instead
```text
db/migration/V001__create_users.sql
```
or move helper scripts out of the location.
"#,
    convention: None,
    tag: None,
};

pub fn check(cx: &FolderContext, sink: &mut Sink) {
    for file in &cx.set.files {
        if !matches!(file.class, Classified::Unrecognised { .. })
            || cx.parser.looks_like_migration(&file.file_name)
        {
            continue;
        }
        sink.file(
            &RULE,
            file,
            format!(
                "Unrecognised migration name format: {}. {}; name migrations like {}1{}description{}",
                file.file_name,
                cx.rejected_name_outcome(),
                cx.parser
                    .prefix_of(crate::naming::Kind::Versioned)
                    .unwrap_or("V"),
                cx.parser.separator(),
                cx.parser.suffixes().first().map(String::as_str).unwrap_or(".sql")
            ),
        );
    }
}
