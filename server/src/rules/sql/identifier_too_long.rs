use crate::config::Level;
use crate::rules::{FileContext, Rule, Sink};
use crate::sql::facts::{AlterAction, Op};
use crate::sql::Dialect;

pub static RULE: Rule = Rule {
    id: "identifier-too-long",
    category: "postgres",
    default_level: Level::Warning,
    summary: "Identifier longer than 63 bytes: PostgreSQL silently truncates it",
    doc: r#"## What it does
Flags the name of a table, column, index, constraint or view that a migration creates or renames
to when it is longer than 63 bytes (PostgreSQL's `NAMEDATALEN` − 1). Names holding a Flyway
placeholder are not checked (their length is known only once replaced).

## Why is this bad?
PostgreSQL does not reject a longer name: it cuts it to 63 bytes with only a NOTICE, and the
object gets the cut name. Later statements that spell the full name still find it (they are cut
the same way), but the schema no longer shows the name the migration wrote, tools comparing
names see a difference, and two long names that share their first 63 bytes (typical of generated
index and constraint names) collide: the second `CREATE` fails, or `IF NOT EXISTS` silently skips
it.

squawk, strong_migrations and eugene have no equivalent.

## Example
```sql
CREATE INDEX index_customer_subscription_invoices_on_billing_account_id_and_created_at
    ON customer_subscription_invoices (billing_account_id, created_at);
```

## Use instead
A name of at most 63 bytes:
```sql
CREATE INDEX cust_sub_invoices_billing_account_created_idx
    ON customer_subscription_invoices (billing_account_id, created_at);
```
"#,
    convention: None,
    tag: None,
};

/// PostgreSQL's longest identifier, in bytes.
const MAX_BYTES: usize = 63;

pub fn check(cx: &FileContext, sink: &mut Sink) {
    if cx.dialect() != Dialect::Postgres || cx.is_undo() {
        return;
    }
    for (statement, op) in cx.statements() {
        let mut names: Vec<(&str, &str)> = Vec::new();
        match op {
            Op::CreateTable {
                table,
                columns,
                constraints,
                ..
            } => {
                names.push(("table", &table.name));
                names.extend(columns.iter().map(|c| ("column", c.name.as_str())));
                names.extend(
                    constraints
                        .iter()
                        .filter_map(|c| c.name.as_deref())
                        .map(|n| ("constraint", n)),
                );
            }
            Op::CreateIndex { name: Some(n), .. } => names.push(("index", &n.name)),
            Op::CreateView { name } => names.push(("view", &name.name)),
            Op::AlterTable { actions, .. } => {
                for action in actions.iter() {
                    match action {
                        AlterAction::AddColumn { column, .. } => {
                            names.push(("column", &column.name))
                        }
                        AlterAction::AddConstraint { constraint, .. } => {
                            if let Some(n) = &constraint.name {
                                names.push(("constraint", n));
                            }
                        }
                        AlterAction::RenameColumn { to, .. } => names.push(("column", to)),
                        AlterAction::RenameTo { to } => names.push(("table", &to.name)),
                        _ => {}
                    }
                }
            }
            _ => {}
        }
        for (kind, name) in names {
            if name.len() <= MAX_BYTES || holds_placeholder(&cx.sql.placeholders, name) {
                continue;
            }
            let mut cut = MAX_BYTES;
            while !name.is_char_boundary(cut) {
                cut -= 1;
            }
            sink.range(
                &RULE,
                cx,
                cx.clause(statement, "{}", &[name]),
                format!(
                    "The {kind} name {name} is {} bytes; PostgreSQL silently cuts it to 63 ({}), and another long name with the same first 63 bytes would collide with it",
                    name.len(),
                    &name[..cut]
                ),
            );
        }
    }
}

/// True when `name` holds the start of a placeholder (Flyway replaces it before PostgreSQL sees
/// the name).
fn holds_placeholder(placeholders: &crate::sql::lexer::Placeholders, name: &str) -> bool {
    use crate::sql::lexer::Placeholders;
    match placeholders {
        Placeholders::Flyway => name.contains("${"),
        Placeholders::Custom { prefix, .. } => name.contains(&**prefix),
        Placeholders::Off { .. } => false,
    }
}
