use crate::config::Level;
use crate::rules::{FileContext, Rule, Sink};
use crate::schema::Catalog;
use crate::sql::facts::{AlterAction, ConstraintKind, Name, Op};
use crate::sql::Dialect;

pub static RULE: Rule = Rule {
    id: "foreign-key-without-index",
    category: "postgres",
    default_level: Level::Hint,
    summary: "A foreign key whose referencing columns begin no index: deletes on the parent scan the child",
    doc: r#"## What it does
Flags a foreign key (`REFERENCES` in `CREATE TABLE` or `ADD COLUMN`, `FOREIGN KEY` in
`CREATE TABLE` or `ALTER TABLE … ADD [CONSTRAINT]`) none of whose referencing columns is the leading
column of any index on the referencing table once the migration has run: an index made earlier
in the folder, later in the same migration, or by a `PRIMARY KEY` or `UNIQUE` that begins with
one of those columns counts. A hint by default: a parent whose rows are never deleted and whose key
never changes does not need the index.

Only tables whose every index the replay can see are judged: a table the folder did not create,
one changed by dynamic SQL or by a statement the model cannot follow, is not flagged. A partial
index (`WHERE …`) counts as an index here, though it serves only the rows it covers.

## Why is this bad?
PostgreSQL does not index the referencing side of a foreign key. Every `DELETE` on the parent
table, and every `UPDATE` of its key, must find the rows that reference the old key (to refuse
the change, or to cascade it): without an index beginning with a referencing column, that reads the
whole child table (or the whole of an index that has the column further in) for each parent row. Joins from
the parent to the child scan it too.

Corresponds to eugene's E15 (missing index, found by `eugene trace`); squawk, strong_migrations
and Atlas have no equivalent.

## Example
```sql
CREATE TABLE order_lines (
    id bigint PRIMARY KEY,
    order_id bigint NOT NULL REFERENCES orders (id)
);
```

## Use instead
```sql
CREATE TABLE order_lines (
    id bigint PRIMARY KEY,
    order_id bigint NOT NULL REFERENCES orders (id)
);
CREATE INDEX order_lines_order_id_idx ON order_lines (order_id);
```
On a table that already holds rows, build the index with `CREATE INDEX CONCURRENTLY` in a
migration of its own.
"#,
    convention: None,
    tag: None,
};

/// The foreign keys statement `op` adds: (referencing table, columns, referenced table).
fn foreign_keys(op: &Op) -> Vec<(&Name, Vec<String>, Option<&Name>)> {
    let mut out = Vec::new();
    match op {
        Op::CreateTable {
            table,
            columns,
            constraints,
            ..
        } => {
            for c in columns {
                if c.references.is_some() {
                    out.push((&**table, vec![c.name.clone()], c.references.as_deref()));
                }
            }
            for c in constraints.iter() {
                if c.kind == ConstraintKind::ForeignKey {
                    out.push((&**table, c.columns.clone(), c.references.as_ref()));
                }
            }
        }
        Op::AlterTable { table, actions, .. } => {
            for action in actions.iter() {
                match action {
                    AlterAction::AddColumn { column, .. } if column.references.is_some() => {
                        out.push((
                            &**table,
                            vec![column.name.clone()],
                            column.references.as_deref(),
                        ));
                    }
                    AlterAction::AddConstraint { constraint, .. }
                        if constraint.kind == ConstraintKind::ForeignKey =>
                    {
                        out.push((
                            &**table,
                            constraint.columns.clone(),
                            constraint.references.as_ref(),
                        ));
                    }
                    _ => {}
                }
            }
        }
        _ => {}
    }
    out
}

/// The column lists of the indexes statement `op` makes on `table`; `None` when it may make one
/// whose columns the facts do not show.
fn indexes_made(op: &Op, table: &Name) -> Option<Vec<Vec<String>>> {
    let same = |t: &Name| t.name.eq_ignore_ascii_case(&table.name);
    let mut out = Vec::new();
    let index_kind = |k: ConstraintKind| {
        matches!(
            k,
            ConstraintKind::PrimaryKey
                | ConstraintKind::Unique
                | ConstraintKind::Index
                | ConstraintKind::Exclude
        )
    };
    match op {
        Op::CreateTable {
            table: t,
            columns,
            constraints,
            ..
        } if same(t) => {
            let pk: Vec<String> = columns
                .iter()
                .filter(|c| c.primary_key)
                .map(|c| c.name.clone())
                .collect();
            if !pk.is_empty() {
                out.push(pk);
            }
            out.extend(
                columns
                    .iter()
                    .filter(|c| c.unique)
                    .map(|c| vec![c.name.clone()]),
            );
            out.extend(
                constraints
                    .iter()
                    .filter(|c| index_kind(c.kind))
                    .map(|c| c.columns.clone()),
            );
        }
        Op::CreateIndex {
            table: t, columns, ..
        } if same(t) => out.push(columns.to_vec()),
        Op::AlterTable {
            table: t, actions, ..
        } if same(t) => {
            for action in actions.iter() {
                match action {
                    AlterAction::AddColumn { column, .. }
                        if column.primary_key || column.unique =>
                    {
                        out.push(vec![column.name.clone()])
                    }
                    // `USING INDEX`: the index it takes is in the catalog by name.
                    AlterAction::AddConstraint { constraint, .. }
                        if index_kind(constraint.kind) && !constraint.using_index =>
                    {
                        out.push(constraint.columns.clone());
                    }
                    AlterAction::Other(_) => return None,
                    _ => {}
                }
            }
        }
        // An index built by a statement the facts do not read (a placeholder in its name, a
        // syntax the parsers do not model), or by code: its columns are unknown.
        Op::Other { keywords } if keywords.to_ascii_uppercase().contains("INDEX") => return None,
        Op::Routine => return None,
        _ => {}
    }
    Some(out)
}

/// Whether an index on `index` serves lookups by `columns`: it begins with one of them (an
/// index on part of a composite key narrows the search to few rows; only the lack of any such
/// index makes each lookup a scan of the table).
fn serves(index: &[String], columns: &[String]) -> bool {
    index
        .first()
        .is_some_and(|first| columns.iter().any(|c| c.eq_ignore_ascii_case(first)))
}

pub fn check(cx: &FileContext, index: usize, catalog: &Catalog, sink: &mut Sink) {
    if cx.dialect() != Dialect::Postgres || cx.is_undo() {
        return;
    }
    let statement = &cx.sql.statements[index];
    let keys = foreign_keys(&statement.parsed.op);
    if keys.is_empty() {
        return;
    }
    for (table, columns, referenced) in keys {
        if columns.is_empty() {
            continue;
        }
        // The indexes the table has before this statement: none for a table it creates, the
        // catalog's for one the replay knows entirely.
        let mut known: Vec<Vec<String>> = Vec::new();
        if let Op::CreateTable { as_query, .. } = &statement.parsed.op {
            // Columns from elsewhere; or `IF NOT EXISTS` over a table the replay made (the
            // statement then adds nothing).
            if *as_query || catalog.table(table).is_some() {
                continue;
            }
        } else {
            let Some(t) = catalog.table(table) else {
                continue;
            };
            if t.uncertain
                || t.maybe_gone
                || catalog.is_uncertain()
                || catalog.touched_by_dynamic_sql(&table.name)
            {
                continue;
            }
            known.push(t.primary_key.clone());
            known.extend(t.unnamed_indexes.iter().cloned());
            known.extend(
                t.columns
                    .iter()
                    .filter(|c| c.spec.unique || c.spec.primary_key)
                    .map(|c| vec![c.spec.name.clone()]),
            );
            known.extend(
                catalog
                    .indexes_on(table)
                    .into_iter()
                    .map(|i| i.columns.to_vec()),
            );
        }
        // This statement's own and the later statements' indexes.
        let mut unknown = false;
        for (_, op) in cx.statements().skip(index) {
            match indexes_made(op, table) {
                Some(made) => known.extend(made),
                None => unknown = true,
            }
        }
        if unknown || known.iter().any(|i| serves(i, &columns)) {
            continue;
        }
        let parent = referenced.map_or_else(|| String::from("the parent"), |r| r.to_string());
        sink.statement(
            &RULE,
            cx,
            statement,
            format!(
                "No index on {table} begins with {}, the {} of its foreign key to {parent}: every DELETE on {parent}, and every UPDATE of its key, reads all of {table} (or all of an index on it) for referencing rows; index them",
                columns.join(" or "),
                if columns.len() == 1 {
                    "referencing column"
                } else {
                    "referencing columns"
                }
            ),
        );
    }
}
