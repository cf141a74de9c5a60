//! Rules on the SQL of each migration: unsafe DDL for PostgreSQL and MySQL/MariaDB, transaction
//! handling, undo scripts, style, and the schema model.

mod add_column_not_null;
mod alter_enum_add_value;
mod ban_char;
mod change_column_type;
mod concurrently_in_transaction;
mod constraint_without_not_valid;
mod drop_column;
mod drop_database;
mod drop_table;
mod duplicate_object;
mod invalid_suppression;
mod mixed_ddl_dml;
mod multiple_alter_table;
mod multiple_tables;
mod mysql_add_column_rebuild;
mod mysql_add_unique;
mod mysql_blocking_lock;
mod mysql_column_references;
mod mysql_copy_algorithm;
mod mysql_ddl_in_transaction;
mod mysql_enum_change;
mod mysql_online_ddl;
mod mysql_table_options;
mod mysql_table_rebuild;
mod prefer_bigint_key;
mod prefer_text;
mod prefer_timestamptz;
mod rename_column;
mod rename_table;
mod require_concurrent_index;
mod require_concurrent_index_drop;
mod require_if_not_exists;
mod require_lock_timeout;
mod set_not_null;
mod statement_not_analysed;
mod syntax_error;
mod transaction_in_migration;
mod truncate_table;
mod undo_drop_without_if_exists;
mod undo_incomplete;
mod undo_todo;
mod unique_constraint;
mod unknown_column;
mod unknown_index;
mod unknown_table;
mod volatile_default;
// PostgreSQL lock and rewrite rules of issue #18.
mod add_column_rewrite;
mod cascade;
mod cluster_table;
mod domain_check_without_not_valid;
mod drop_constraint;
mod drop_not_null;
mod drop_object;
mod enum_value_not_last;
mod exclude_constraint;
mod foreign_key_without_index;
mod identifier_too_long;
mod rename_enum_value;
mod require_concurrent_detach;
mod require_concurrent_refresh;
mod require_concurrent_reindex;
mod require_statement_timeout;
mod statement_after_exclusive_lock;
mod vacuum_full;
mod validate_same_migration;

use super::{FileContext, Rule, Sink};
use crate::schema::Catalog;

/// A rule over one whole script.
pub type FileCheck = fn(&FileContext, &mut Sink);
/// A rule over one statement, with the schema as the statements before it left it.
pub type StatementCheck = fn(&FileContext, usize, &Catalog, &mut Sink);

pub enum Check {
    File(FileCheck),
    Statement(StatementCheck),
}

/// The SQL rules with their checks, in listing order.
pub static CHECKS: &[(&Rule, Check)] = &[
    (&syntax_error::RULE, Check::File(syntax_error::check)),
    (
        &statement_not_analysed::RULE,
        Check::File(statement_not_analysed::check),
    ),
    (
        &require_concurrent_index::RULE,
        Check::File(require_concurrent_index::check),
    ),
    (
        &require_concurrent_index_drop::RULE,
        Check::File(require_concurrent_index_drop::check),
    ),
    (
        &concurrently_in_transaction::RULE,
        Check::File(concurrently_in_transaction::check),
    ),
    (
        &add_column_not_null::RULE,
        Check::File(add_column_not_null::check),
    ),
    (
        &volatile_default::RULE,
        Check::File(volatile_default::check),
    ),
    (&set_not_null::RULE, Check::File(set_not_null::check)),
    (
        &constraint_without_not_valid::RULE,
        Check::File(constraint_without_not_valid::check),
    ),
    (
        &unique_constraint::RULE,
        Check::File(unique_constraint::check),
    ),
    (
        &change_column_type::RULE,
        Check::File(change_column_type::check),
    ),
    (&rename_column::RULE, Check::File(rename_column::check)),
    (&rename_table::RULE, Check::File(rename_table::check)),
    (&drop_column::RULE, Check::File(drop_column::check)),
    (&drop_table::RULE, Check::File(drop_table::check)),
    (&drop_database::RULE, Check::File(drop_database::check)),
    (&truncate_table::RULE, Check::File(truncate_table::check)),
    // PostgreSQL lock and rewrite rules of issue #18.
    (
        &add_column_rewrite::RULE,
        Check::File(add_column_rewrite::check),
    ),
    (
        &require_concurrent_reindex::RULE,
        Check::File(require_concurrent_reindex::check),
    ),
    (
        &require_concurrent_detach::RULE,
        Check::File(require_concurrent_detach::check),
    ),
    (
        &require_concurrent_refresh::RULE,
        Check::File(require_concurrent_refresh::check),
    ),
    (&vacuum_full::RULE, Check::File(vacuum_full::check)),
    (&cluster_table::RULE, Check::File(cluster_table::check)),
    (
        &exclude_constraint::RULE,
        Check::File(exclude_constraint::check),
    ),
    (&cascade::RULE, Check::File(cascade::check)),
    (
        &require_statement_timeout::RULE,
        Check::File(require_statement_timeout::check),
    ),
    (
        &domain_check_without_not_valid::RULE,
        Check::File(domain_check_without_not_valid::check),
    ),
    (
        &validate_same_migration::RULE,
        Check::File(validate_same_migration::check),
    ),
    (
        &identifier_too_long::RULE,
        Check::File(identifier_too_long::check),
    ),
    (&drop_not_null::RULE, Check::File(drop_not_null::check)),
    (&drop_constraint::RULE, Check::File(drop_constraint::check)),
    (&drop_object::RULE, Check::File(drop_object::check)),
    (
        &rename_enum_value::RULE,
        Check::File(rename_enum_value::check),
    ),
    (
        &enum_value_not_last::RULE,
        Check::File(enum_value_not_last::check),
    ),
    (
        &require_lock_timeout::RULE,
        Check::File(require_lock_timeout::check),
    ),
    (
        &statement_after_exclusive_lock::RULE,
        Check::File(statement_after_exclusive_lock::check),
    ),
    (
        &transaction_in_migration::RULE,
        Check::File(transaction_in_migration::check),
    ),
    (
        &alter_enum_add_value::RULE,
        Check::File(alter_enum_add_value::check),
    ),
    (
        &mysql_online_ddl::RULE,
        Check::File(mysql_online_ddl::check),
    ),
    (
        &mysql_copy_algorithm::RULE,
        Check::Statement(mysql_copy_algorithm::check),
    ),
    // MySQL / MariaDB rules of issue 18.
    (
        &mysql_enum_change::RULE,
        Check::Statement(mysql_enum_change::check),
    ),
    (
        &mysql_table_rebuild::RULE,
        Check::File(mysql_table_rebuild::check),
    ),
    (
        &mysql_column_references::RULE,
        Check::File(mysql_column_references::check),
    ),
    (
        &mysql_blocking_lock::RULE,
        Check::File(mysql_blocking_lock::check),
    ),
    (
        &mysql_add_column_rebuild::RULE,
        Check::File(mysql_add_column_rebuild::check),
    ),
    (
        &mysql_add_unique::RULE,
        Check::File(mysql_add_unique::check),
    ),
    (
        &mysql_ddl_in_transaction::RULE,
        Check::File(mysql_ddl_in_transaction::check),
    ),
    (
        &mysql_table_options::RULE,
        Check::File(mysql_table_options::check),
    ),
    (&mixed_ddl_dml::RULE, Check::File(mixed_ddl_dml::check)),
    (&multiple_tables::RULE, Check::File(multiple_tables::check)),
    (
        &multiple_alter_table::RULE,
        Check::File(multiple_alter_table::check),
    ),
    (
        &require_if_not_exists::RULE,
        Check::File(require_if_not_exists::check),
    ),
    (
        &undo_drop_without_if_exists::RULE,
        Check::File(undo_drop_without_if_exists::check),
    ),
    (&undo_incomplete::RULE, Check::File(undo_incomplete::check)),
    (&unknown_table::RULE, Check::Statement(unknown_table::check)),
    (
        &unknown_column::RULE,
        Check::Statement(unknown_column::check),
    ),
    (&unknown_index::RULE, Check::Statement(unknown_index::check)),
    (
        &foreign_key_without_index::RULE,
        Check::Statement(foreign_key_without_index::check),
    ),
    (
        &duplicate_object::RULE,
        Check::Statement(duplicate_object::check),
    ),
    (
        &prefer_timestamptz::RULE,
        Check::File(prefer_timestamptz::check),
    ),
    (
        &prefer_bigint_key::RULE,
        Check::File(prefer_bigint_key::check),
    ),
    (&prefer_text::RULE, Check::File(prefer_text::check)),
    (&ban_char::RULE, Check::File(ban_char::check)),
    (&undo_todo::RULE, Check::File(undo_todo::check)),
    (
        &invalid_suppression::RULE,
        Check::File(invalid_suppression::check),
    ),
];

/// Runs the enabled whole-script rules on one script, then on the literal statements of its
/// `DO` blocks ([`run_do_blocks`]).
pub fn run_file(cx: &FileContext, sink: &mut Sink) {
    run_file_checks(cx, sink);
    run_do_blocks(cx, sink);
}

fn run_file_checks(cx: &FileContext, sink: &mut Sink) {
    for (rule, check) in CHECKS {
        if let Check::File(check) = check {
            if sink.enabled(rule) {
                check(cx, sink);
            }
        }
    }
}

/// PostgreSQL `DO` blocks run when the migration runs: the whole-script rules read the literal
/// statements of their PL/pgSQL bodies ([`crate::sql::plpgsql::do_block`]) in the place of the
/// block, in the script's order (a `SET lock_timeout` before the block counts; a lock inside it
/// is held by the statements after it), and only the findings inside a body are kept (the rest
/// repeat the script's own run). A body statement that does not parse alone is left out, and
/// `EXECUTE` strings are never read: dynamic SQL stays uncertain, as in the schema replay, which
/// these statements do not change. Function bodies run when called, not here: not read.
fn run_do_blocks(cx: &FileContext, sink: &mut Sink) {
    use crate::sql::analysis::{analyze_cached, created_tables, Statement};
    use crate::sql::facts::Op;
    if cx.dialect() != crate::sql::Dialect::Postgres
        || !cx.statements().any(|(_, op)| matches!(op, Op::Routine))
    {
        return;
    }
    // Each statement's block, if it is one: most routines are functions, and a script without
    // a block is left before any statement is copied.
    let blocks: Vec<_> = cx
        .statements()
        .map(|(statement, op)| {
            matches!(op, Op::Routine)
                .then(|| {
                    crate::sql::plpgsql::do_block(cx.text, statement.range(), &cx.sql.placeholders)
                })
                .flatten()
        })
        .collect();
    if blocks.iter().all(Option::is_none) {
        return;
    }
    // (the block's statement, its body)
    let mut bodies = Vec::new();
    let mut statements = Vec::with_capacity(cx.sql.statements.len());
    for ((statement, _), block) in cx.statements().zip(blocks) {
        let Some((body, inner)) = block else {
            statements.push(statement.clone());
            continue;
        };
        bodies.push((statement.range(), body));
        for range in inner {
            let alone = analyze_cached(
                &cx.text[range.start..range.end],
                cx.dialect(),
                &cx.sql.placeholders,
                None,
                None,
            );
            if let [only] = alone.statements.as_slice() {
                if only.parsed.error.is_none() {
                    statements.push(Statement::new(range, only.parsed.clone()));
                }
            }
        }
    }
    if bodies.is_empty() {
        return;
    }
    let flat = crate::sql::analysis::SqlFile {
        created_tables: created_tables(&statements),
        statements,
        ..cx.sql.clone()
    };
    let inner = FileContext { sql: &flat, ..*cx };
    let before = sink.diagnostics.len();
    run_file_checks(&inner, sink);
    sink.whole_file.retain(|&i| i < before);
    let found: Vec<_> = sink.diagnostics.drain(before..).collect();
    let own = &sink.diagnostics[..before];
    // Kept: inside a body, and not what the script's run already said of it (the same message,
    // or a finding of the rule on the block itself: the first statement after a lock, the first
    // lock without a timeout).
    let kept: Vec<_> = found
        .into_iter()
        .filter(|d| {
            let Some((block, _)) = bodies
                .iter()
                .find(|(_, b)| b.start <= d.range.start && d.range.start < b.end)
            else {
                return false;
            };
            !own.iter().any(|o| {
                o.rule == d.rule
                    && (o.message == d.message
                        || (block.start <= o.range.start && o.range.start < block.end))
            })
        })
        .collect();
    sink.diagnostics.extend(kept);
}

/// The enabled statement rules' checks, in listing order: looked up once per file, not once
/// per statement (a file can hold thousands).
pub fn statement_checks(sink: &Sink) -> Vec<StatementCheck> {
    CHECKS
        .iter()
        .filter_map(|(rule, check)| match check {
            Check::Statement(check) if sink.enabled(rule) => Some(*check),
            _ => None,
        })
        .collect()
}

/// Runs `checks` (the enabled statement rules, [`statement_checks`]) on statement `index`.
pub fn run_statement(
    checks: &[StatementCheck],
    cx: &FileContext,
    index: usize,
    catalog: &Catalog,
    sink: &mut Sink,
) {
    for check in checks {
        check(cx, index, catalog, sink);
    }
}

/// True for a PostgreSQL versioned or repeatable script that Flyway runs in one transaction as
/// far as its settings say (not `executeInTransaction=false`): the locks its statements take
/// are held until it commits.
pub(crate) fn postgres_in_transaction(cx: &FileContext) -> bool {
    cx.dialect() == crate::sql::Dialect::Postgres
        && !cx.is_undo()
        && cx.sql.script_config.execute_in_transaction != Some(false)
}

/// True when the table existed before this script (not created earlier in it).
pub(crate) fn existing_table(
    cx: &FileContext,
    index: usize,
    table: &crate::sql::facts::Name,
) -> bool {
    !cx.created_before(index, table)
}

/// Volatile functions: a DEFAULT calling one is evaluated per row, forcing a table rewrite.
pub(crate) fn is_volatile_default(expr: &str) -> bool {
    let lower = expr.to_ascii_lowercase();
    [
        "random(",
        "gen_random_uuid(",
        "uuid_generate_v1",
        "uuid_generate_v4(",
        "clock_timestamp(",
        "timeofday(",
        "nextval(",
        "txid_current(",
        "statement_timestamp(",
        "uuid(",
    ]
    .iter()
    .any(|f| lower.contains(f))
}

/// The value of a MySQL table option written as `NAME [=] value` in a statement (upper-cased).
pub(crate) fn table_option(
    cx: &FileContext,
    statement: &crate::sql::analysis::Statement,
    option: &str,
) -> Option<String> {
    if !cx.mentions(statement, option) {
        return None;
    }
    let tokens: Vec<crate::sql::lexer::Token> = cx
        .sql
        .statement_tokens(cx.text, statement)
        .into_iter()
        .filter(|t| !t.is_trivia())
        .collect();
    let at = tokens.iter().position(|t| t.is_keyword(cx.text, option))?;
    let mut next = at + 1;
    if tokens.get(next).is_some_and(|t| t.text(cx.text) == "=") {
        next += 1;
    }
    tokens.get(next).map(|t| {
        t.text(cx.text)
            .trim_matches(['\'', '"', '`'])
            .to_ascii_uppercase()
    })
}

/// A statement's words and symbols, without comments and white space, upper-cased.
pub(crate) fn statement_words(
    cx: &FileContext,
    statement: &crate::sql::analysis::Statement,
) -> Vec<String> {
    cx.sql
        .statement_tokens(cx.text, statement)
        .into_iter()
        .filter(|t| !t.is_trivia())
        .map(|t| t.text(cx.text).to_ascii_uppercase())
        .collect()
}

/// Every column type a script declares: `(statement, table, column, TYPE)`.
pub(crate) fn column_types<'a>(
    cx: &'a FileContext,
) -> Vec<(
    &'a crate::sql::analysis::Statement,
    &'a crate::sql::facts::Name,
    &'a str,
    &'a str,
)> {
    use crate::sql::facts::{AlterAction, Op};
    let mut out = Vec::new();
    for (statement, op) in cx.statements() {
        match op {
            Op::CreateTable { table, columns, .. } => {
                for c in columns {
                    out.push((statement, &**table, &*c.name, &*c.data_type));
                }
            }
            Op::AlterTable { table, actions, .. } => {
                for action in actions.iter() {
                    match action {
                        AlterAction::AddColumn { column, .. } => {
                            out.push((statement, &**table, &*column.name, &*column.data_type))
                        }
                        AlterAction::ChangeColumn { column, .. } => {
                            out.push((statement, &**table, &*column.name, &*column.data_type))
                        }
                        AlterAction::SetType { column, data_type } => {
                            out.push((statement, &**table, &**column, &**data_type))
                        }
                        _ => {}
                    }
                }
            }
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod rule_cases;

/// Every action of every `ALTER TABLE` on a table that existed before this script, with the
/// statement's index: what most lock and rewrite rules look at. Walked, not collected: a
/// dozen rules read it, and on a migration of thousands of `ALTER TABLE`s a list each was a
/// measurable part of its re-check.
pub(crate) fn existing_table_actions<'a>(
    cx: &'a FileContext,
) -> impl Iterator<
    Item = (
        usize,
        &'a crate::sql::analysis::Statement,
        &'a crate::sql::facts::Name,
        &'a crate::sql::facts::AlterAction,
    ),
> + 'a {
    cx.statements()
        .enumerate()
        .filter_map(move |(i, (statement, op))| match op {
            crate::sql::facts::Op::AlterTable { table, actions, .. }
                if existing_table(cx, i, table) =>
            {
                Some(actions.iter().map(move |a| (i, statement, &**table, a)))
            }
            _ => None,
        })
        .flatten()
}

/// Reports every PostgreSQL column whose type `matches`, with `advice` after "Column t.c is TYPE".
pub(crate) fn flag_postgres_column_types(
    cx: &FileContext,
    sink: &mut Sink,
    rule: &Rule,
    matches: impl Fn(&str) -> bool,
    advice: &str,
) {
    if cx.dialect() != crate::sql::Dialect::Postgres {
        return;
    }
    for (statement, table, column, data_type) in column_types(cx) {
        if matches(data_type) {
            sink.range(
                rule,
                cx,
                cx.clause(
                    statement,
                    crate::rules::clause::COLUMN_DEFINITION,
                    &[column],
                ),
                format!("Column {table}.{column} is {data_type}; {advice}"),
            );
        }
    }
}

/// True when statement `index` targets only objects this script made before it: the named table
/// (or view, or index) was created by an earlier statement of the script, so it holds no rows
/// another session could be waiting for.
pub(crate) fn made_earlier_in_script(
    cx: &FileContext,
    index: usize,
    name: &crate::sql::facts::Name,
) -> bool {
    use crate::sql::facts::Op;
    cx.created_before(index, name)
        || cx.statements().take(index).any(|(_, op)| match op {
            Op::CreateView { name: view } => view.name == name.name,
            Op::CreateIndex {
                name: Some(made),
                table,
                ..
            } => made.name == name.name && cx.created_before(index, table),
            _ => false,
        })
}

/// The object named at significant token `at` of a PostgreSQL statement (`[schema.]name`,
/// folded as the parser folds it).
pub(crate) fn name_in_statement(
    cx: &FileContext,
    tokens: &[crate::sql::lexer::Token],
    at: usize,
) -> Option<crate::sql::facts::Name> {
    let refs: Vec<&crate::sql::lexer::Token> = tokens.iter().collect();
    crate::sql::parse::name_at(cx.text, &refs, at).map(|(name, _)| name)
}

/// The comma-separated table names (each optionally followed by a column list) from significant
/// token `at` to the end of a statement, as `VACUUM` and `ANALYZE` take them.
pub(crate) fn tables_named_after(
    cx: &FileContext,
    tokens: &[crate::sql::lexer::Token],
    mut at: usize,
) -> Vec<crate::sql::facts::Name> {
    let mut out = Vec::new();
    while let Some(name) = name_in_statement(cx, tokens, at) {
        out.push(name);
        let mut depth = 0;
        while let Some(t) = tokens.get(at) {
            match t.text(cx.text) {
                "(" => depth += 1,
                ")" => depth -= 1,
                "," if depth == 0 => break,
                _ => {}
            }
            at += 1;
        }
        at += 1;
    }
    out
}
