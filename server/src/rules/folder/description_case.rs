use crate::config::{DescriptionCase, Level};
use crate::diagnostic::Fix;
use crate::naming::Kind;
use crate::rules::{FolderContext, Rule, Sink};

use super::split_hash_suffix;

pub static RULE: Rule = Rule {
    id: "description-case",
    category: "conventions",
    default_level: Level::Warning,
    summary: "Description not in the project's case (`snake_case` or `PascalCase`)",
    doc: r#"## What it does
When the project sets `[conventions] description-case = "snake_case"` (e.g. `V001__add_users.sql`)
or `"PascalCase"` (e.g. `V3__AddLenderTable__migration_a1b2c3d4.sql`), flags migration
descriptions written otherwise. A `__migration_<hash>` suffix is not part of the description.

## Why is this bad?
Flyway does not care, but people search, sort and review by name. Mixed styles hide near-duplicate
migrations (`add_users` / `AddUsers`) and break scripts that parse names.

## Example
```text
V004__AddIndexOnOrders.sql      (in a snake_case project)
```

## Use instead
```text
V004__add_index_on_orders.sql
```
"#,
    convention: Some("description-case"),
    tag: None,
};

pub fn check(cx: &FolderContext, sink: &mut Sink) {
    let case = cx.project.config.tool.conventions.description_case;
    for (file, name) in cx.set.migrations(&[
        Kind::Versioned,
        Kind::Undo,
        Kind::Baseline,
        Kind::Repeatable,
    ]) {
        let (description, hash_part) = match split_hash_suffix(&name.raw_description) {
            Some((head, _)) => (head, &name.raw_description[head.len()..]),
            None => (name.raw_description.as_str(), ""),
        };
        if description.is_empty() {
            continue;
        }
        let (ok, fixed, case_name) = match case {
            DescriptionCase::Any => return,
            DescriptionCase::SnakeCase => (
                is_snake_case(description),
                to_snake_case(description),
                "snake_case",
            ),
            DescriptionCase::PascalCase => (
                is_pascal_case(description),
                to_pascal_case(description),
                "PascalCase",
            ),
        };
        if ok || fixed.is_empty() {
            continue;
        }
        let new_name = format!(
            "{}{}{}{fixed}{hash_part}{}",
            name.prefix,
            name.version_text,
            if name.separator_found {
                cx.parser.separator()
            } else {
                ""
            },
            name.suffix
        );
        if let Some(d) = sink.file(
            &RULE,
            file,
            format!(
                "Description `{description}` is not {case_name} as this project's convention requires; rename the file to {new_name}"
            ),
        ) {
            d.fix = Some(Fix::RenameFile { new_name });
        }
    }
}

fn is_snake_case(s: &str) -> bool {
    !s.is_empty()
        && s.split('_').all(|w| {
            !w.is_empty()
                && w.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        })
}

fn is_pascal_case(s: &str) -> bool {
    s.chars().next().is_some_and(|c| c.is_ascii_uppercase())
        && s.chars().all(|c| c.is_ascii_alphanumeric())
}

/// Splits into words at `_`, `-`, spaces and lower-to-upper case changes.
fn words(s: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut current = String::new();
    let mut prev_lower = false;
    for c in s.chars() {
        if c == '_' || c == '-' || c == ' ' || c == '.' {
            if !current.is_empty() {
                words.push(std::mem::take(&mut current));
            }
            prev_lower = false;
            continue;
        }
        if c.is_uppercase() && prev_lower && !current.is_empty() {
            words.push(std::mem::take(&mut current));
        }
        prev_lower = c.is_lowercase() || c.is_ascii_digit();
        current.push(c);
    }
    if !current.is_empty() {
        words.push(current);
    }
    words
}

fn to_snake_case(s: &str) -> String {
    words(s)
        .iter()
        .map(|w| w.to_lowercase())
        .collect::<Vec<_>>()
        .join("_")
}

fn to_pascal_case(s: &str) -> String {
    words(s)
        .iter()
        .map(|w| {
            let mut chars = w.chars();
            match chars.next() {
                Some(first) => first.to_uppercase().chain(chars).collect::<String>(),
                None => String::new(),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cases() {
        assert!(is_snake_case("add_users_2"));
        assert!(!is_snake_case("AddUsers"));
        assert!(!is_snake_case("add__users"));
        assert!(is_pascal_case("AddLenderTable"));
        assert!(!is_pascal_case("add_lender"));
        assert_eq!(to_snake_case("AddIndexOnOrders"), "add_index_on_orders");
        assert_eq!(to_snake_case("add users-now"), "add_users_now");
        assert_eq!(to_pascal_case("add_lender_table"), "AddLenderTable");
        assert_eq!(to_pascal_case("addLender"), "AddLender");
    }
}
