use crate::config::Level;
use crate::diagnostic::Fix;
use crate::naming::NameProblem;
use crate::rules::{DiagnosticExt, FolderContext, Rule, Sink};

pub static RULE: Rule = Rule {
    id: "single-underscore",
    category: "naming",
    default_level: Level::Error,
    summary: "Single underscore between version and description (`V1_init.sql`): Flyway silently skips the file",
    doc: r#"## What it does
Flags versioned, undo and baseline migrations whose version and description are joined by one
underscore instead of the separator (`__` by default), such as `V1_init.sql`.

## Why is this bad?
Flyway reads `_` inside a version as a dot, so it tries to read `1_init` as the version `1.init`,
fails, and reports "could not recognise version number". Unless `validateMigrationNaming` is on,
the file is skipped silently and the migration never runs.

## Example
```text
V1_create_users.sql
```

## Use instead
```text
V1__create_users.sql
```
"#,
    convention: None,
    tag: None,
};

/// For `1_init` returns the numeric version and the description it was meant to have
/// (`1` and `init`): the first `_` followed by a non-digit, after an all-numeric version.
pub(crate) fn split_single_underscore(version_text: &str) -> Option<(&str, &str)> {
    let (i, _) = version_text.match_indices('_').find(|(i, _)| {
        version_text[i + 1..]
            .chars()
            .next()
            .is_some_and(|c| !c.is_ascii_digit())
    })?;
    let version = &version_text[..i];
    let numeric = version.bytes().any(|b| b.is_ascii_digit())
        && version
            .bytes()
            .all(|b| b.is_ascii_digit() || b == b'.' || b == b'_');
    numeric.then(|| (version, &version_text[i + 1..]))
}

pub fn check(cx: &FolderContext, sink: &mut Sink) {
    for file in &cx.set.files {
        let Some(name) = file.name() else { continue };
        if !matches!(name.problem, Some(NameProblem::InvalidVersion(_))) || name.separator_found {
            continue;
        }
        let Some((version, description)) = split_single_underscore(&name.version_text) else {
            continue;
        };
        let new_name = format!(
            "{}{version}{}{description}{}",
            name.prefix,
            cx.parser.separator(),
            name.suffix
        );
        sink.file(
            &RULE,
            file,
            format!(
                "Invalid versioned migration name format: {} (could not recognise version number {}): a single `_` is read as part of the version, so {}. Rename it to {new_name}",
                file.file_name,
                name.version_text,
                cx.rejected_name_outcome()
            ),
        )
        .with_fix(Fix::RenameFile { new_name });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits() {
        assert_eq!(split_single_underscore("1_init"), Some(("1", "init")));
        assert_eq!(split_single_underscore("1_2_add_x"), Some(("1_2", "add_x")));
        assert_eq!(split_single_underscore("001_Add"), Some(("001", "Add")));
        assert_eq!(split_single_underscore("1-2"), None);
        assert_eq!(split_single_underscore("a_b"), None);
    }
}
