use crate::config::Level;
use crate::rules::{FileContext, Rule, Sink};
use crate::sql::facts::Name;
use crate::sql::lexer::{Token, TokenKind};
use crate::sql::Dialect;

pub static RULE: Rule = Rule {
    id: "enum-value-not-last",
    category: "postgres",
    default_level: Level::Off,
    summary: "ALTER TYPE … ADD VALUE … BEFORE/AFTER puts the new value between existing ones (off by default)",
    doc: r#"## What it does
Flags `ALTER TYPE name ADD VALUE 'new' BEFORE 'existing'`, and `… AFTER 'existing'` when the
migration shows that `'existing'` is not the type's last value (the type created by
`CREATE TYPE … AS ENUM` earlier in the same migration). An `AFTER` whose value the migration does
not show is not flagged: it may be the last. Off by default: a backward-compatibility policy for
applications that rely on the order of an enum's values.

## Why is this bad?
An enum's values sort in the order the type lists them, not alphabetically: `ORDER BY`, `<`,
`>`, `MIN`, `MAX` and range checks on an enum column follow that order. A value added at the
end sorts after every existing one, so every comparison between existing values and every
filter such as `status < 'shipped'` keeps its meaning; a value added in the middle changes what
such a filter selects once rows hold it, for code written before it existed. PostgreSQL's
documentation also notes that comparisons involving a value added out of order can be slower
(the sort position no longer follows the values' object ids).

This is the opposite policy of squawk's `require-enum-value-ordering`, which asks for `BEFORE`
or `AFTER` on every `ADD VALUE`; eugene and strong_migrations have no equivalent.

## Example
```sql
ALTER TYPE order_status ADD VALUE 'packed' BEFORE 'shipped';
```

## Use instead
```sql
ALTER TYPE order_status ADD VALUE 'packed';
```
and order by an explicit rank column (or a `CASE`) where the order matters to the code.
"#,
    convention: None,
    tag: None,
};

/// A string literal's text without its quotes.
fn label(cx: &FileContext, token: &Token) -> Option<String> {
    if token.kind != TokenKind::String {
        return None;
    }
    let text = token.text(cx.text);
    let text = text.strip_prefix(['E', 'e']).unwrap_or(text);
    let inner = text.strip_prefix('\'')?.strip_suffix('\'')?;
    Some(inner.replace("''", "'"))
}

/// `CREATE TYPE name AS ENUM ('a', …)`: the type and its values.
fn created_enum(cx: &FileContext, tokens: &[Token]) -> Option<(Name, Vec<String>)> {
    let kw = |i: usize, word: &str| tokens.get(i).is_some_and(|t| t.is_keyword(cx.text, word));
    if !(kw(0, "CREATE") && kw(1, "TYPE")) {
        return None;
    }
    let refs: Vec<&Token> = tokens.iter().collect();
    let (name, next) = crate::sql::parse::name_at(cx.text, &refs, 2)?;
    if !(kw(next, "AS") && kw(next + 1, "ENUM")) {
        return None;
    }
    let values = tokens[next + 2..]
        .iter()
        .filter_map(|t| label(cx, t))
        .collect();
    Some((name, values))
}

pub fn check(cx: &FileContext, sink: &mut Sink) {
    if cx.dialect() != Dialect::Postgres || cx.is_undo() {
        return;
    }
    // The enums this migration created, with their values in order.
    let mut known: Vec<(Name, Vec<String>)> = Vec::new();
    for (statement, _) in cx.statements() {
        // `CREATE TYPE … AS ENUM`, `ALTER TYPE … ADD VALUE`.
        if !cx.mentions(statement, "TYPE") {
            continue;
        }
        let tokens = cx.significant_tokens(statement);
        if let Some(created) = created_enum(cx, &tokens) {
            known.push(created);
            continue;
        }
        let kw = |i: usize, word: &str| tokens.get(i).is_some_and(|t| t.is_keyword(cx.text, word));
        if !(kw(0, "ALTER") && kw(1, "TYPE")) {
            continue;
        }
        let refs: Vec<&Token> = tokens.iter().collect();
        let Some((type_name, mut at)) = crate::sql::parse::name_at(cx.text, &refs, 2) else {
            continue;
        };
        if !(kw(at, "ADD") && kw(at + 1, "VALUE")) {
            continue;
        }
        at += 2;
        if kw(at, "IF") && kw(at + 1, "NOT") && kw(at + 2, "EXISTS") {
            at += 3;
        }
        let Some(new) = tokens.get(at).and_then(|t| label(cx, t)) else {
            continue;
        };
        let before = kw(at + 1, "BEFORE");
        if !before && !kw(at + 1, "AFTER") {
            // Appended: it is the last value now.
            if let Some((_, values)) = known.iter_mut().find(|(n, _)| n.name == type_name.name) {
                values.push(new);
            }
            continue;
        }
        let Some(anchor) = tokens.get(at + 2).and_then(|t| label(cx, t)) else {
            continue;
        };
        let values = known
            .iter_mut()
            .find(|(n, _)| n.name == type_name.name)
            .map(|(_, v)| v);
        let last = match (&values, before) {
            (_, true) => false,
            (Some(values), false) => values.last() == Some(&anchor),
            // AFTER a value the migration does not show: it may be the last.
            (None, false) => true,
        };
        if let Some(values) = values {
            let position = values.iter().position(|v| *v == anchor);
            match position {
                Some(i) => values.insert(if before { i } else { i + 1 }, new.clone()),
                None => values.push(new.clone()),
            }
        }
        if last {
            continue;
        }
        let word = if before { "BEFORE" } else { "AFTER" };
        sink.statement(
            &RULE,
            cx,
            statement,
            format!(
                "'{new}' is added {word} '{anchor}', not at the end of enum {type_name}: comparisons, ORDER BY, MIN and MAX on the type sort it before values that already existed, which code relying on the enum's order does not expect"
            ),
        );
    }
}
