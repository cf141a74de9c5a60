use std::collections::BTreeMap;

use crate::config::Level;
use crate::diagnostic::{Fix, Related};
use crate::naming::Kind;
use crate::rules::{FolderContext, Rule, Sink};
use crate::sequence;
use crate::version::Version;

pub static RULE: Rule = Rule {
    id: "duplicate-version",
    category: "versions",
    default_level: Level::Error,
    summary: "Two migrations with the same version (`V1__a.sql` and `V001__b.sql`): Flyway refuses to migrate",
    doc: r#"## What it does
Flags versioned (and, separately, undo and baseline) migrations that share a version, anywhere in
the project's locations. Versions are compared as Flyway compares them: `1`, `001`, `1.0` and
`1_0` are the same version.

## Why is this bad?
Flyway stops every `migrate`, `validate` and `info` with "Found more than one migration with
version 1". It typically happens when two branches each add "the next" migration, and it blocks
the deployment of both.

## Example
```text
V7__add_orders.sql          (branch A)
V007__add_invoices.sql      (branch B)
```

## Use instead
Give the later one the next free version:
```text
V7__add_orders.sql
V8__add_invoices.sql
```
The fix renames a file that is not applied: when one of them is applied (in the database's
history, or in the `applied-ref` commit), it keeps the version, since Flyway would take it
renamed for a new migration. No rule offers to rename an applied migration.
"#,
    convention: None,
    tag: None,
};

pub fn check(cx: &FolderContext, sink: &mut Sink) {
    let versioned: Vec<_> = cx.set.migrations(&[Kind::Versioned]).collect();
    let width = sequence::padding_width(versioned.iter().map(|(_, n)| n.version_text.as_str()));
    let mut next = sequence::next_version(cx.set);
    for kind in [Kind::Versioned, Kind::Undo, Kind::Baseline] {
        let mut groups: BTreeMap<&Version, Vec<_>> = BTreeMap::new();
        let kinds = [kind];
        for (file, name) in cx.set.with_code(&kinds) {
            if let Some(version) = &name.version {
                groups.entry(version).or_default().push((file, name));
            }
        }
        for (_, mut files) in groups.into_iter().filter(|(_, f)| f.len() > 1) {
            let scripts: Vec<&str> = files.iter().map(|(f, _)| f.script.as_str()).collect();
            // The file that keeps the version: an applied one (renaming it would make Flyway
            // apply it again), else the first.
            if let Some(keep) = files
                .iter()
                .position(|(f, _)| cx.applied.applied_source(&f.path).is_some())
            {
                let kept = files.remove(keep);
                files.insert(0, kept);
            }
            let keeper = files[0].0.script.clone();
            let keeper_applied = cx
                .applied
                .applied_source(&files[0].0.path)
                .map(str::to_string);
            for (i, (file, name)) in files.iter().enumerate() {
                let related = files
                    .iter()
                    .filter(|(other, _)| other.path != file.path)
                    .map(|(other, other_name)| Related {
                        path: other.path.clone(),
                        message: format!(
                            "also version {}",
                            other_name.version.as_ref().map_or("", |v| v.raw())
                        ),
                    })
                    .collect();
                // The first file keeps the version; each later versioned one gets a new one,
                // unless it is applied too (then no rename can help). A Java or Kotlin class is
                // renamed with its code: no file rename for it.
                let applied_too = cx.applied.applied_source(&file.path).is_some();
                let fix = (i > 0 && kind == Kind::Versioned && !applied_too && !file.is_code())
                    .then(|| {
                        let new_name = format!(
                            "{}{next}{}{}{}",
                            name.prefix,
                            cx.parser.separator(),
                            name.raw_description,
                            name.suffix
                        );
                        next = sequence::bump(&next, width);
                        new_name
                    });
                let advice = match (&fix, &keeper_applied) {
                    (Some(new_name), Some(source)) => format!(
                        "; rename this one to {new_name} ({keeper} keeps the version: it is applied according to {source})"
                    ),
                    (Some(new_name), None) => format!("; rename this one to {new_name}"),
                    (None, _) if i == 0 => String::new(),
                    (None, _) if applied_too => "; both are applied, so renaming either makes Flyway apply it again: rename the one not yet deployed anywhere".to_string(),
                    (None, _) => "; give one of them another version".to_string(),
                };
                let message = format!(
                    "Found more than one {}migration with version {} ({}). Flyway refuses to migrate{advice}",
                    match kind {
                        Kind::Undo => "undo ",
                        Kind::Baseline => "baseline ",
                        _ => "",
                    },
                    // As this file writes it (`6.0_2016.04.04` is shown as 6.0.2016.04.04,
                    // as Flyway prints it, not normalized to 6.0.2016.4.4).
                    name.version.as_ref().map_or("", |v| v.raw()),
                    scripts.join(", ")
                );
                if let Some(d) = sink.file(&RULE, file, message) {
                    d.related = related;
                    d.fix = fix.map(|new_name| Fix::RenameFile { new_name });
                }
            }
        }
    }
}
