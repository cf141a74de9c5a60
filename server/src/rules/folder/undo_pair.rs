use std::collections::BTreeMap;

use crate::config::Level;
use crate::naming::Kind;
use crate::rules::{FolderContext, Rule, Sink};

pub static RULE: Rule = Rule {
    id: "undo-pair",
    category: "conventions",
    default_level: Level::Error,
    summary:
        "Versioned migration without its undo file, or an undo file named differently from its pair",
    doc: r#"## What it does
For teams whose convention is that every versioned migration ships with its undo migration
(`[conventions] undo-pairs = true`), flags a `V` file with no `U` file of the same version, and a
`U` file whose description (including any `__migration_<hash>` suffix) differs from its `V` file's.

## Why is this bad?
Pipelines that roll back by running the undo scripts fail exactly when they are needed: during an
incident. A pair named differently is usually a copy that was not updated.

## Example
```text
V3__AddLenderTable__migration_a1b2c3d4.sql
```

## Use instead
```text
V3__AddLenderTable__migration_a1b2c3d4.sql
U3__AddLenderTable__migration_a1b2c3d4.sql
```
"#,
    convention: Some("undo-pairs"),
    tag: None,
};

pub fn check(cx: &FolderContext, sink: &mut Sink) {
    let undo_prefix = cx.parser.prefix_of(Kind::Undo).unwrap_or("U");
    let mut undos: BTreeMap<_, Vec<_>> = BTreeMap::new();
    for (file, name) in cx.set.migrations(&[Kind::Undo]) {
        if let Some(version) = &name.version {
            undos.entry(version).or_default().push((file, name));
        }
    }
    for (file, name) in cx.set.migrations(&[Kind::Versioned]) {
        let Some(version) = &name.version else {
            continue;
        };
        let expected = format!(
            "{undo_prefix}{}{}{}{}",
            name.version_text,
            cx.parser.separator(),
            name.raw_description,
            name.suffix
        );
        match undos.get(version) {
            None => {
                sink.file(
                    &RULE,
                    file,
                    format!(
                        "{} has no undo migration; add {expected} that reverts it (with IF EXISTS)",
                        file.file_name
                    ),
                );
            }
            Some(pairs) => {
                for (undo, undo_name) in pairs {
                    if undo_name.raw_description != name.raw_description {
                        sink.file(
                            &RULE,
                            undo,
                            format!(
                                "Undo migration {} is named differently from its versioned migration {}; rename it to {expected}",
                                undo.file_name, file.file_name
                            ),
                        );
                    }
                }
            }
        }
    }
}
