use crate::config::Level;
use crate::rules::{FileContext, Rule, Sink};
use crate::sql::facts::Name;
use crate::sql::lexer::Token;
use crate::sql::Dialect;

pub static RULE: Rule = Rule {
    id: "domain-check-without-not-valid",
    category: "postgres",
    default_level: Level::Warning,
    summary: "ALTER DOMAIN … ADD CHECK without NOT VALID checks every column of the domain while blocking writes to their tables",
    doc: r#"## What it does
Flags `ALTER DOMAIN name ADD [CONSTRAINT c] CHECK (…)` without `NOT VALID` on a domain the
migration did not create. `CREATE DOMAIN … CHECK (…)` is not flagged: a new domain has no columns
yet.

## Why is this bad?
Before the constraint is added, PostgreSQL checks every value of every table column whose type is
the domain, holding a SHARE lock on each of those tables until the migration commits: inserts,
updates and deletes on all of them wait for the whole scan (checked on PostgreSQL 15: the table
of a column of the domain is locked in `ShareLock` mode). With `NOT VALID` the constraint is
added without reading any table and without locking them, and applies to every value written
from then on.

`ALTER DOMAIN … VALIDATE CONSTRAINT` later checks the existing values; on PostgreSQL 15 it takes
the same SHARE lock on each table while it scans, so run it when the write pause is acceptable
(or not at all, when the existing values are known to pass).

Corresponds to squawk's `ban-alter-domain-with-add-constraint`, which flags every constraint
added to a domain, with or without `NOT VALID`; eugene and strong_migrations have no
equivalent.

## Example
```sql
ALTER DOMAIN positive_amount ADD CONSTRAINT positive_amount_check CHECK (VALUE > 0);
```

## Use instead
```sql
ALTER DOMAIN positive_amount ADD CONSTRAINT positive_amount_check CHECK (VALUE > 0) NOT VALID;
-- later, in a migration of its own, when writes can pause:
ALTER DOMAIN positive_amount VALIDATE CONSTRAINT positive_amount_check;
```
"#,
    convention: None,
    tag: None,
};

/// Whether the significant tokens from `from` hold `first second` outside parentheses.
fn pair_at_top(cx: &FileContext, tokens: &[Token], from: usize, first: &str, second: &str) -> bool {
    let mut depth = 0i32;
    for (i, t) in tokens.iter().enumerate().skip(from) {
        match t.text(cx.text) {
            "(" => depth += 1,
            ")" => depth -= 1,
            _ if depth == 0
                && t.is_keyword(cx.text, first)
                && tokens
                    .get(i + 1)
                    .is_some_and(|n| n.is_keyword(cx.text, second)) =>
            {
                return true
            }
            _ => {}
        }
    }
    false
}

/// The domain named by `ALTER DOMAIN name` / `CREATE DOMAIN name` (`verb`), if the tokens begin
/// so, and the index of the token after the name.
fn domain_of(cx: &FileContext, tokens: &[Token], verb: &str) -> Option<(Name, usize)> {
    let head = tokens.first().is_some_and(|t| t.is_keyword(cx.text, verb))
        && tokens
            .get(1)
            .is_some_and(|t| t.is_keyword(cx.text, "DOMAIN"));
    if !head {
        return None;
    }
    let refs: Vec<&Token> = tokens.iter().collect();
    crate::sql::parse::name_at(cx.text, &refs, 2)
}

pub fn check(cx: &FileContext, sink: &mut Sink) {
    if cx.dialect() != Dialect::Postgres || cx.is_undo() {
        return;
    }
    let mut created: Vec<Name> = Vec::new();
    for (statement, _) in cx.statements() {
        if !cx.mentions(statement, "DOMAIN") {
            continue;
        }
        let tokens = cx.significant_tokens(statement);
        if let Some((domain, _)) = domain_of(cx, &tokens, "CREATE") {
            created.push(domain);
            continue;
        }
        let Some((domain, after)) = domain_of(cx, &tokens, "ALTER") else {
            continue;
        };
        // `ADD CHECK (…)` or `ADD CONSTRAINT c CHECK (…)`.
        let adds_check = tokens
            .get(after)
            .is_some_and(|t| t.is_keyword(cx.text, "ADD"))
            && tokens
                .iter()
                .skip(after + 1)
                .take(3)
                .any(|t| t.is_keyword(cx.text, "CHECK"));
        if !adds_check
            || pair_at_top(cx, &tokens, after + 1, "NOT", "VALID")
            || created.iter().any(|c| c.name == domain.name)
        {
            continue;
        }
        sink.statement(
            &RULE,
            cx,
            statement,
            format!(
                "Adding a CHECK to domain {domain} checks every value of every column of the domain while holding a SHARE lock on their tables (writes wait for the whole scan); add it NOT VALID and VALIDATE it later"
            ),
        );
    }
}
