use crate::config::Level;
use crate::naming::Kind;
use crate::rules::{FolderContext, Rule, Sink};

use super::split_hash_suffix;

pub static RULE: Rule = Rule {
    id: "hash-suffix",
    category: "conventions",
    default_level: Level::Error,
    summary: "Versioned or undo migration without the `__migration_<8 hex digits>` suffix the convention requires",
    doc: r#"## What it does
For teams whose convention ends every description with a unique hash
(`[conventions] hash-suffix = true`, e.g. `V3__AddLenderTable__migration_a1b2c3d4.sql`), flags
versioned and undo migrations without `__migration_` and 8 lowercase hex digits at the end.

## Why is this bad?
The hash makes two branches that pick the same version and description produce different file
names, and ties a `U` file to its `V` file. Pipelines that check the pair by hash reject the file.

## Example
```text
V3__AddLenderTable.sql
```

## Use instead
```text
V3__AddLenderTable__migration_a1b2c3d4.sql
```
(`flyway-lsp` code actions create new migrations with a fresh hash.)
"#,
    convention: Some("hash-suffix"),
    tag: None,
};

pub fn check(cx: &FolderContext, sink: &mut Sink) {
    for (file, name) in cx.set.migrations(&[Kind::Versioned, Kind::Undo]) {
        if split_hash_suffix(&name.raw_description).is_some() {
            continue;
        }
        let has_bad_hash = name.raw_description.contains("__migration_");
        sink.file(
            &RULE,
            file,
            if has_bad_hash {
                format!(
                    "{}: the hash after `__migration_` must be exactly 8 lowercase hex digits",
                    file.file_name
                )
            } else {
                format!(
                    "{} lacks the `__migration_<8 hex digits>` suffix, e.g. {}{}{}{}__migration_{}{}",
                    file.file_name,
                    name.prefix,
                    name.version_text,
                    cx.parser.separator(),
                    name.raw_description,
                    example_hash(&name.version_text, &name.raw_description),
                    name.suffix
                )
            },
        );
    }
}

/// A stable example hash from version and description, so a V file and its U file get the same
/// suggestion and the output stays deterministic.
pub(crate) fn example_hash(version: &str, description: &str) -> String {
    format!(
        "{:08x}",
        crc32fast::hash(format!("{version}__{description}").as_bytes())
    )
}
