//! `flyway-lsp rules`: the rule list and each rule's documentation, from the rules themselves.

use std::io::Write;

use serde_json::json;

use super::{CliError, RulesFormat, EXIT_OK, EXIT_USAGE};
use crate::config::Level;
use crate::rules::{self, Rule};

/// The default level as shown to users (convention rules are off until switched on).
pub fn default_level_text(rule: &Rule) -> String {
    match rule.convention {
        Some(convention) => format!("{} (with `{convention}`)", rule.default_level.name()),
        None => rule.default_level.name().to_string(),
    }
}

/// The README's rule table (a test keeps the README in step with it).
pub fn markdown_table() -> String {
    let mut out =
        String::from("| Rule | Category | Default | What it flags |\n|---|---|---|---|\n");
    for rule in rules::all() {
        out.push_str(&format!(
            "| `{}` | {} | {} | {} |\n",
            rule.id,
            rule.category,
            default_level_text(rule),
            rule.summary.replace('|', "\\|")
        ));
    }
    out
}

pub(super) fn run(
    id: Option<&str>,
    format: RulesFormat,
    out: &mut dyn Write,
) -> Result<i32, CliError> {
    if let Some(id) = id {
        let Some(rule) = rules::find(id) else {
            eprintln!("flyway-lsp: unknown rule `{id}`; `flyway-lsp rules` lists them");
            return Ok(EXIT_USAGE);
        };
        match format {
            RulesFormat::Json => {
                serde_json::to_writer_pretty(&mut *out, &rule_json(rule))?;
                writeln!(out)?;
            }
            _ => {
                writeln!(out, "# {}\n", rule.id)?;
                writeln!(
                    out,
                    "Category: {}. Default level: {}.\n",
                    rule.category,
                    default_level_text(rule)
                )?;
                write!(out, "{}", rule.doc)?;
            }
        }
        return Ok(EXIT_OK);
    }
    match format {
        RulesFormat::Markdown => write!(out, "{}", markdown_table())?,
        RulesFormat::Json => {
            let all: Vec<_> = rules::all().iter().map(|r| rule_json(r)).collect();
            serde_json::to_writer_pretty(&mut *out, &all)?;
            writeln!(out)?;
        }
        RulesFormat::Text => {
            let width = rules::all().iter().map(|r| r.id.len()).max().unwrap_or(0);
            for rule in rules::all() {
                writeln!(
                    out,
                    "{:width$}  {:11}  {:7}  {}",
                    rule.id,
                    rule.category,
                    if rule.convention.is_some() {
                        Level::Off.name()
                    } else {
                        rule.default_level.name()
                    },
                    rule.summary
                )?;
            }
        }
    }
    Ok(EXIT_OK)
}

fn rule_json(rule: &Rule) -> serde_json::Value {
    json!({
        "id": rule.id,
        "category": rule.category,
        "default_level": rule.default_level.name(),
        "convention": rule.convention,
        "summary": rule.summary,
        "doc": rule.doc,
    })
}
