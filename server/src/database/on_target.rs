//! `dry-run --on-target` (PostgreSQL only): the pending migrations run on the target itself,
//! for the failures that depend on its rows and for its real lock waits, inside one
//! transaction the tool opens and always rolls back.
//!
//! Safe by an allow-list, not a skip list:
//! - One connection; `BEGIN`, the tool's own `SET LOCAL lock_timeout`, `statement_timeout`
//!   and `idle_in_transaction_session_timeout`, then one statement at a time through the
//!   extended protocol ([`Client::execute_one`]: a hidden second statement is refused by the
//!   server), each inside the tool's savepoint; `ROLLBACK` at the end, whatever happened. A
//!   connection that drops (a signal, a crash) ends the transaction uncommitted.
//! - Before a statement runs, [`classify`] reads it with PostgreSQL's own parser (`pg_query`)
//!   and admits only statement kinds that act on relations of this database inside the
//!   transaction, with every function call of the whole tree on a short list of built-in
//!   functions without effects outside the transaction ([`ALLOWED_FUNCTIONS`]). Then
//!   [`catalog_refusal`] reads the catalog (read-only, bound parameters, every catalog name
//!   qualified) for code the statement would run indirectly: triggers, rules, row-level
//!   security, foreign tables, the queries of views, defaults (`nextval` advances a sequence
//!   even when rolled back), generated columns, CHECK and domain constraints, index
//!   expressions, of the relations it touches and of those a write cascades to; and for
//!   functions, operators,
//!   types or casts outside `pg_catalog` (or made by a user inside it: object ids from 16384 up)
//!   that could be picked instead of the built-in ones, and for writes to the system catalogs.
//!   Enabled event triggers (they fire on any DDL) refuse the whole run.
//! - A refused statement is not run: the report says "not dry-run on the target; run it
//!   isolated" and why, and nothing after it runs (its premise is gone).
//!
//! Nothing with an effect outside the transaction is let through, so the report can say the
//! target was not changed.

use std::collections::{BTreeSet, HashSet};
use std::time::{Duration, Instant};

use pg_query::protobuf::{ObjectType as Obj, VariableSetKind};
use pg_query::NodeEnum;
use serde_json::Value;

use super::client::{quote_ident, seconds, Client, DbError, StatementError, CONNECT_TIMEOUT};
use super::dryrun::{self, DryRunReport, Failure, Limits, MigrationOutcome, MigrationRun, Outcome};
use super::settings::DbSettings;
use crate::diagnostic::{LineCol, TextRange};
use crate::index::MigrationSet;
use crate::project::Project;
use crate::sql::lexer::tokenize;
use crate::sql::server::Flavor;
use crate::sql::Dialect;

/// What the report says of a statement that is not run on the target.
pub const REFUSED: &str = "not dry-run on the target; run it isolated";

/// Built-in functions a migration may call on the target: they read their arguments (and at
/// most the clock or the session's random state) and change nothing. Anything else — `nextval`
/// and `setval` (a rollback does not undo them), `dblink*`, `pg_*` administration functions,
/// every user-defined function — is refused.
#[rustfmt::skip]
pub const ALLOWED_FUNCTIONS: &[&str] = &[
    // time
    "now", "clock_timestamp", "statement_timestamp", "transaction_timestamp", "timeofday",
    "date_trunc", "date_part", "extract", "age", "make_date", "make_time", "make_timestamp",
    "make_timestamptz", "make_interval", "to_char", "to_date", "to_timestamp", "to_number",
    "justify_days", "justify_hours", "justify_interval", "isfinite", "timezone",
    // text
    "lower", "upper", "initcap", "length", "char_length", "character_length", "octet_length",
    "substr", "substring", "left", "right", "lpad", "rpad", "btrim", "ltrim", "rtrim", "replace",
    "translate", "reverse", "repeat", "concat", "concat_ws", "format", "position", "strpos",
    "split_part", "starts_with", "regexp_replace", "regexp_match", "regexp_matches",
    "regexp_split_to_array", "md5", "encode", "decode", "quote_ident", "quote_literal",
    "quote_nullable", "ascii", "chr", "overlay", "string_agg", "string_to_array", "array_to_string",
    "collation_for", "similar_to_escape", "similar_escape", "normalize", "is_normalized",
    "overlaps",
    // numbers
    "abs", "ceil", "ceiling", "floor", "round", "trunc", "mod", "power", "sqrt", "sign", "div",
    "exp", "ln", "log", "random", "gen_random_uuid",
    // aggregates and windows
    "count", "sum", "min", "max", "avg", "bool_and", "bool_or", "every", "array_agg", "json_agg",
    "jsonb_agg", "json_object_agg", "jsonb_object_agg", "row_number", "rank", "dense_rank", "lag",
    "lead", "first_value", "last_value", "ntile",
    // JSON
    "to_json", "to_jsonb", "json_build_object", "jsonb_build_object", "json_build_array",
    "jsonb_build_array", "jsonb_set", "jsonb_insert", "jsonb_strip_nulls", "jsonb_typeof",
    "json_typeof", "jsonb_array_length", "json_array_length", "jsonb_array_elements",
    "jsonb_array_elements_text", "json_array_elements", "jsonb_each", "jsonb_each_text",
    "jsonb_object_keys", "jsonb_extract_path", "jsonb_extract_path_text", "row_to_json",
    "array_to_json",
    // arrays and sets
    "array_length", "array_position", "array_positions", "array_append", "array_prepend",
    "array_cat", "array_remove", "array_replace", "array_lower", "array_upper", "cardinality",
    "unnest", "generate_series",
];

/// What a statement needs checked in the target's catalog before it may run.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Needs {
    /// Allow-listed function names it calls (no function of that name may exist outside
    /// `pg_catalog`).
    pub functions: BTreeSet<String>,
    /// Operator names it uses.
    pub operators: BTreeSet<String>,
    /// Type names it casts to (or gives a column in `ALTER TABLE`).
    pub casts: BTreeSet<String>,
    /// Relations it names, as `to_regclass` text (quoted identifiers).
    pub relations: BTreeSet<String>,
    /// Of those, the ones it writes (the target of INSERT, UPDATE, DELETE, MERGE, TRUNCATE).
    pub written: BTreeSet<String>,
    /// Of those, the ones it alters (`ALTER TABLE`).
    pub altered: BTreeSet<String>,
    /// Names of functions and types that DDL acts on (renamed, altered, dropped, moved): none
    /// may be a built-in, which the allow-list trusts.
    pub ddl_names: BTreeSet<String>,
    /// It writes rows (INSERT, UPDATE, DELETE, MERGE, TRUNCATE anywhere in it).
    pub writes: bool,
    /// Column defaults can be evaluated (INSERT, MERGE, `SET x = DEFAULT`).
    pub defaults: bool,
    /// It alters existing relations (`ALTER TABLE`, `ALTER DOMAIN`): their rows may be
    /// re-checked or rewritten.
    pub alters: bool,
    /// It runs a query over the relations it names (not only DDL naming them).
    pub queries: bool,
}

fn refuse<T>(why: impl Into<String>) -> Result<T, String> {
    Err(why.into())
}

/// Object kinds that live in this database and whose changes are transactional.
fn local_object(kind: i32) -> bool {
    use Obj::*;
    matches!(
        Obj::try_from(kind),
        Ok(ObjectTable
            | ObjectView
            | ObjectMatview
            | ObjectIndex
            | ObjectSequence
            | ObjectType
            | ObjectDomain
            | ObjectSchema
            | ObjectFunction
            | ObjectProcedure
            | ObjectRoutine
            | ObjectAggregate
            | ObjectTrigger
            | ObjectPolicy
            | ObjectRule
            | ObjectColumn
            | ObjectAttribute
            | ObjectTabconstraint
            | ObjectDomconstraint
            | ObjectStatisticExt
            | ObjectCollation)
    )
}

/// Functions and types: the kinds of object a built-in the allow-list trusts can be.
fn code_object(kind: i32) -> bool {
    use Obj::*;
    matches!(
        Obj::try_from(kind),
        Ok(ObjectFunction
            | ObjectProcedure
            | ObjectRoutine
            | ObjectAggregate
            | ObjectType
            | ObjectDomain)
    )
}

fn object_name(kind: i32) -> String {
    Obj::try_from(kind)
        .map(|k| {
            k.as_str_name()
                .trim_start_matches("OBJECT_")
                .replace('_', " ")
        })
        .unwrap_or_else(|_| "unknown object".into())
}

/// Strings of a JSON subtree (`String` nodes' `sval`), in order.
fn svals(value: &Value) -> Vec<String> {
    let mut out = Vec::new();
    fn go(v: &Value, out: &mut Vec<String>) {
        match v {
            Value::Object(map) => {
                for (k, v) in map {
                    match (k.as_str(), v) {
                        ("sval", Value::String(s)) => out.push(s.clone()),
                        _ => go(v, out),
                    }
                }
            }
            Value::Array(items) => items.iter().for_each(|i| go(i, out)),
            _ => {}
        }
    }
    go(value, &mut out);
    out
}

/// Why a call of `name` (qualified by `schema`) is refused, if it is.
fn function_refusal(schema: Option<&str>, name: &str) -> Option<String> {
    let shown = match schema {
        Some(s) => format!("{s}.{name}"),
        None => name.to_string(),
    };
    let builtin = schema.is_none_or(|s| s == "pg_catalog");
    if builtin && ALLOWED_FUNCTIONS.contains(&name) {
        return None;
    }
    let why = match name {
        "nextval" | "setval" => "changes a sequence, which a rollback does not undo",
        n if n.starts_with("dblink") => "reaches another database, outside this transaction",
        "pg_terminate_backend" | "pg_cancel_backend" => "acts on other sessions of the server",
        n if n.starts_with("pg_") || n.starts_with("lo_") => {
            "is a server function outside the short list of built-in functions without effects"
        }
        _ if !builtin => "is not a built-in function: its code is not checked",
        _ => {
            "is not on the short list of built-in functions without effects outside the transaction"
        }
    };
    Some(format!("calls {shown}(), which {why}"))
}

/// Walks a whole parse tree (as JSON: every node kind is a key) for function calls, casts,
/// operators, relations and nested writes.
fn walk(value: &Value, needs: &mut Needs) -> Result<(), String> {
    match value {
        Value::Object(map) => {
            // A RangeVar, wrapped in a node or not (a statement's `relation` field is not).
            if let Some(name) = range_var(value) {
                needs.relations.insert(name?);
            }
            for (key, inner) in map {
                match key.as_str() {
                    "FuncCall" => {
                        let names = svals(inner.get("funcname").unwrap_or(&Value::Null));
                        match names.as_slice() {
                            [name] => {
                                if let Some(why) = function_refusal(None, name) {
                                    return refuse(why);
                                }
                                needs.functions.insert(name.clone());
                            }
                            [schema, name] => {
                                if let Some(why) = function_refusal(Some(schema), name) {
                                    return refuse(why);
                                }
                                needs.functions.insert(name.clone());
                            }
                            _ => {
                                return refuse(format!(
                                    "calls {}(), which is not a built-in function",
                                    names.join(".")
                                ))
                            }
                        }
                    }
                    "TypeCast" => {
                        if let Some(name) = inner
                            .get("type_name")
                            .and_then(|t| t.get("names"))
                            .map(svals)
                            .and_then(|n| n.last().cloned())
                        {
                            needs.casts.insert(name);
                        }
                    }
                    // `ALTER COLUMN … TYPE t` converts the column's values to t (a new
                    // column's type converts nothing).
                    "AlterTableCmd"
                        if inner.get("subtype").and_then(Value::as_i64)
                            == Some(
                                pg_query::protobuf::AlterTableType::AtAlterColumnType as i64,
                            ) =>
                    {
                        if let Some(name) = inner
                            .pointer("/def/node/ColumnDef/type_name/names")
                            .map(svals)
                            .and_then(|n| n.last().cloned())
                        {
                            needs.casts.insert(name);
                        }
                    }
                    "AExpr" => {
                        if let Some(name) =
                            inner.get("name").map(svals).and_then(|n| n.last().cloned())
                        {
                            needs.operators.insert(name);
                        }
                    }
                    "SetToDefault" => needs.defaults = true,
                    "InsertStmt" | "MergeStmt" | "UpdateStmt" | "DeleteStmt" | "TruncateStmt" => {
                        needs.writes = true;
                        needs.queries = true;
                        if matches!(key.as_str(), "InsertStmt" | "MergeStmt") {
                            needs.defaults = true;
                        }
                        let targets = match inner.get("relations") {
                            Some(Value::Array(items)) => items.iter().collect(),
                            _ => inner.get("relation").into_iter().collect::<Vec<_>>(),
                        };
                        for target in targets {
                            let target = target
                                .get("node")
                                .and_then(|n| n.get("RangeVar"))
                                .unwrap_or(target);
                            if let Some(name) = range_var(target) {
                                needs.written.insert(name?);
                            }
                        }
                    }
                    "AlterTableStmt" => {
                        if let Some(name) = inner.get("relation").and_then(range_var) {
                            needs.altered.insert(name?);
                        }
                    }
                    "SelectStmt" => needs.queries = true,
                    _ => {}
                }
                walk(inner, needs)?;
            }
            Ok(())
        }
        Value::Array(items) => items.iter().try_for_each(|i| walk(i, needs)),
        _ => Ok(()),
    }
}

/// The `to_regclass` text of a RangeVar object (`None` when `value` is not one); a name in
/// another database is refused.
fn range_var(value: &Value) -> Option<Result<String, String>> {
    let map = value.as_object()?;
    if !(map.contains_key("relname") && map.contains_key("relpersistence")) {
        return None;
    }
    let field = |f: &str| map.get(f).and_then(Value::as_str).unwrap_or("").to_string();
    let (catalog, schema, name) = (field("catalogname"), field("schemaname"), field("relname"));
    if !catalog.is_empty() {
        return Some(refuse(format!("names a relation of database `{catalog}`")));
    }
    let q = |s: &str| quote_ident(Flavor::Postgres, s);
    Some(Ok(if schema.is_empty() {
        q(&name)
    } else {
        format!("{}.{}", q(&schema), q(&name))
    }))
}

fn tree(node: &NodeEnum) -> Value {
    serde_json::to_value(node).unwrap_or(Value::Null)
}

/// The node's kind as PostgreSQL's parser names it (`DoStmt`).
fn kind_name(node: &NodeEnum) -> String {
    match tree(node) {
        Value::Object(map) => map.keys().next().cloned().unwrap_or_default(),
        _ => String::new(),
    }
}

/// Checks one statement node against the allow-list of statement kinds; walks the parts that
/// run.
fn classify_node(node: &NodeEnum, needs: &mut Needs) -> Result<(), String> {
    use NodeEnum as N;
    let walk_all = |needs: &mut Needs| walk(&tree(node), needs);
    match node {
        N::SelectStmt(_)
        | N::InsertStmt(_)
        | N::UpdateStmt(_)
        | N::DeleteStmt(_)
        | N::MergeStmt(_)
        | N::TruncateStmt(_)
        | N::CreateTableAsStmt(_)
        | N::LockStmt(_)
        | N::AlterSeqStmt(_)
        | N::CreateSeqStmt(_)
        | N::VariableShowStmt(_)
        | N::CreateStatsStmt(_) => walk_all(needs),
        N::IndexStmt(s) => {
            if s.concurrent {
                return refuse(
                    "CREATE INDEX CONCURRENTLY cannot run inside the transaction the tool rolls back",
                );
            }
            walk_all(needs)
        }
        N::AlterTableStmt(s) => {
            if !local_object(s.objtype) {
                return refuse(format!("ALTER {} is not run on the target", object_name(s.objtype)));
            }
            needs.alters = true;
            walk_all(needs)
        }
        N::AlterDomainStmt(_) => {
            needs.alters = true;
            walk_all(needs)
        }
        // Definitions whose expressions do not run when they are made (a new table is empty;
        // a view, function, trigger, rule or policy runs only when used, and its use is checked
        // then, in the catalog).
        N::CreateStmt(s) => {
            if let Some(r) = &s.relation {
                if !r.catalogname.is_empty() {
                    return refuse(format!("names a relation of database `{}`", r.catalogname));
                }
            }
            Ok(())
        }
        N::ViewStmt(_)
        | N::CompositeTypeStmt(_)
        | N::CreateEnumStmt(_)
        | N::AlterEnumStmt(_)
        | N::CreateDomainStmt(_)
        | N::AlterDefaultPrivilegesStmt(_)
        | N::CreateTrigStmt(_)
        | N::RuleStmt(_)
        | N::CreatePolicyStmt(_)
        | N::AlterPolicyStmt(_) => Ok(()),
        N::AlterFunctionStmt(_) => system_objects(node, needs),
        N::CommentStmt(s) => {
            if !local_object(s.objtype) {
                return refuse(format!(
                    "COMMENT ON {} is not run on the target",
                    object_name(s.objtype)
                ));
            }
            Ok(())
        }
        N::CreateFunctionStmt(s) => {
            for option in &s.options {
                if let Some(N::DefElem(d)) = option.node.as_ref() {
                    if d.defname == "language" {
                        let language = d
                            .arg
                            .as_ref()
                            .map(|a| svals(&serde_json::to_value(a).unwrap_or(Value::Null)))
                            .and_then(|v| v.first().cloned())
                            .unwrap_or_default()
                            .to_ascii_lowercase();
                        if language != "sql" && language != "plpgsql" {
                            return refuse(format!(
                                "creates a function in language {language}: only SQL and PL/pgSQL functions are created on the target (making others can load code)"
                            ));
                        }
                    }
                }
            }
            let name = svals(&serde_json::to_value(&s.funcname).unwrap_or(Value::Null));
            if name.len() > 1 && name[0].eq_ignore_ascii_case("pg_catalog") {
                return refuse(
                    "creates or replaces a function in pg_catalog, where the built-ins the allow-list trusts live",
                );
            }
            Ok(())
        }
        N::CreateSchemaStmt(s) => {
            for element in &s.schema_elts {
                if let Some(inner) = element.node.as_ref() {
                    classify_node(inner, needs)?;
                }
            }
            Ok(())
        }
        N::DropStmt(s) => {
            if s.concurrent {
                return refuse(
                    "DROP INDEX CONCURRENTLY cannot run inside the transaction the tool rolls back",
                );
            }
            if !local_object(s.remove_type) {
                return refuse(format!("DROP {} is not run on the target", object_name(s.remove_type)));
            }
            if code_object(s.remove_type) {
                system_objects(node, needs)?;
            }
            Ok(())
        }
        N::RenameStmt(s) => {
            if !local_object(s.rename_type) {
                return refuse(format!("renaming a {} is not run on the target", object_name(s.rename_type)));
            }
            if code_object(s.rename_type) {
                system_objects(node, needs)?;
            }
            Ok(())
        }
        N::AlterOwnerStmt(s) => {
            if !local_object(s.object_type) {
                return refuse(format!("ALTER {} OWNER is not run on the target", object_name(s.object_type)));
            }
            if code_object(s.object_type) {
                system_objects(node, needs)?;
            }
            Ok(())
        }
        N::AlterObjectSchemaStmt(s) => {
            if !local_object(s.object_type) {
                return refuse(format!("ALTER {} SET SCHEMA is not run on the target", object_name(s.object_type)));
            }
            if s.newschema.eq_ignore_ascii_case("pg_catalog") {
                return refuse("moves an object into pg_catalog, where the built-ins the allow-list trusts live");
            }
            if code_object(s.object_type) {
                system_objects(node, needs)?;
            }
            Ok(())
        }
        N::GrantStmt(s) => {
            if !local_object(s.objtype) {
                return refuse(format!("GRANT / REVOKE on a {} is not run on the target", object_name(s.objtype)));
            }
            Ok(())
        }
        N::VariableSetStmt(s) => {
            let value = VariableSetKind::try_from(s.kind) == Ok(VariableSetKind::VarSetValue);
            if s.name.eq_ignore_ascii_case("search_path") && value {
                let schemas = svals(&tree(node));
                if let Some(special) = schemas.iter().find(|v| {
                    let v = v.to_ascii_lowercase();
                    v == "pg_catalog" || v.starts_with("pg_temp")
                }) {
                    return refuse(format!(
                        "SET search_path naming {special}: it would change how the built-in functions this check relies on are found"
                    ));
                }
                return Ok(());
            }
            refuse("SET / RESET changes the session (roles, authorization, timeouts): the tool's own settings must hold, so only SET search_path is run on the target")
        }
        N::TransactionStmt(_) => refuse(
            "transaction control: on the target everything runs in the tool's own transaction, which it rolls back",
        ),
        N::DoStmt(_) => refuse("a DO block runs procedural code that cannot be checked before it runs"),
        N::CopyStmt(_) => refuse("COPY reads or writes files, programs or the client"),
        N::CallStmt(_) => refuse("CALL runs a procedure whose code cannot be checked before it runs"),
        N::VacuumStmt(_) => refuse("VACUUM / ANALYZE is not run on the target"),
        N::NotifyStmt(_) | N::ListenStmt(_) | N::UnlistenStmt(_) => {
            refuse("LISTEN / NOTIFY talks to other sessions")
        }
        N::CreatedbStmt(_)
        | N::DropdbStmt(_)
        | N::AlterDatabaseStmt(_)
        | N::AlterDatabaseSetStmt(_)
        | N::AlterDatabaseRefreshCollStmt(_) => refuse("acts on databases, not on this database's relations"),
        N::CreateRoleStmt(_)
        | N::AlterRoleStmt(_)
        | N::AlterRoleSetStmt(_)
        | N::DropRoleStmt(_)
        | N::GrantRoleStmt(_)
        | N::ReassignOwnedStmt(_)
        | N::DropOwnedStmt(_) => refuse("acts on roles, which the whole server shares"),
        N::CreateTableSpaceStmt(_) | N::DropTableSpaceStmt(_) | N::AlterTableSpaceOptionsStmt(_) | N::AlterTableMoveAllStmt(_) => {
            refuse("acts on tablespaces, which the whole server shares")
        }
        N::CreateExtensionStmt(_) | N::AlterExtensionStmt(_) | N::AlterExtensionContentsStmt(_) => {
            refuse("CREATE / ALTER EXTENSION runs the extension's scripts and can load code")
        }
        N::CreateSubscriptionStmt(_)
        | N::AlterSubscriptionStmt(_)
        | N::DropSubscriptionStmt(_)
        | N::CreatePublicationStmt(_)
        | N::AlterPublicationStmt(_) => refuse("replication objects reach other servers"),
        N::CreateForeignServerStmt(_)
        | N::AlterForeignServerStmt(_)
        | N::CreateFdwStmt(_)
        | N::AlterFdwStmt(_)
        | N::CreateUserMappingStmt(_)
        | N::AlterUserMappingStmt(_)
        | N::DropUserMappingStmt(_)
        | N::ImportForeignSchemaStmt(_)
        | N::CreateForeignTableStmt(_) => refuse("foreign data reaches other servers"),
        N::AlterSystemStmt(_) => refuse("ALTER SYSTEM writes the server's configuration file"),
        N::CreateEventTrigStmt(_) | N::AlterEventTrigStmt(_) => {
            refuse("event triggers run their code on any later DDL")
        }
        N::LoadStmt(_) => refuse("LOAD loads a shared library into the server"),
        other => refuse(format!(
            "{} is not on the list of statement kinds that cannot escape the transaction or the database",
            kind_name(other)
        )),
    }
}

/// Runs `f` on a thread of its own with a large stack: PostgreSQL's parser and the tree walk
/// recurse as deep as the statement nests (the parser gives up on its own past its limits).
fn on_large_stack<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, String> + Send + 'static,
) -> Result<T, String> {
    std::thread::Builder::new()
        .name("flyway-lsp-classify".into())
        .stack_size(64 << 20)
        .spawn(f)
        .map_err(|e| format!("it could not be checked ({e})"))?
        .join()
        .unwrap_or_else(|_| refuse("it could not be checked"))
}

/// PostgreSQL's parser's error, as one line.
fn parser_refusal(error: pg_query::Error) -> String {
    let message = error.to_string();
    if message.contains("decod")
        || message.contains("nested too")
        || message.contains("stack depth")
    {
        "it is nested too deeply for PostgreSQL's parser to be checked".into()
    } else {
        format!(
            "PostgreSQL's parser cannot read it ({}), so it cannot be checked",
            message.lines().next().unwrap_or("")
        )
    }
}

/// DDL acting on named functions or types (ALTER, RENAME, OWNER, SET SCHEMA, DROP): one
/// qualified with `pg_catalog` is refused; the others' names are checked in the catalog, so a
/// built-in (which the allow-list trusts) is never renamed, replaced or altered.
fn system_objects(node: &NodeEnum, needs: &mut Needs) -> Result<(), String> {
    fn go(v: &Value, needs: &mut Needs) -> Result<(), String> {
        match v {
            Value::Object(map) => {
                // A function's name (ObjectWithArgs), or a type's (TypeName / a name list).
                let names = match (map.get("objname"), map.get("names")) {
                    (Some(objname), _) => Some(svals(objname)),
                    (None, Some(names)) if map.contains_key("typemod") => Some(svals(names)),
                    _ => None,
                };
                if let Some(names) = names {
                    if names.len() > 1 && names[0].eq_ignore_ascii_case("pg_catalog") {
                        return refuse(format!(
                            "acts on {}, a built-in the allow-list trusts",
                            names.join(".")
                        ));
                    }
                    if let Some(last) = names.last() {
                        needs.ddl_names.insert(last.clone());
                    }
                    return Ok(());
                }
                map.values().try_for_each(|v| go(v, needs))
            }
            Value::Array(items) => {
                // `DROP TYPE a.b` and `RENAME` of a type give a bare list of names.
                let strings: Vec<String> = items
                    .iter()
                    .filter_map(|i| i.pointer("/node/String/sval").and_then(Value::as_str))
                    .map(str::to_string)
                    .collect();
                if !strings.is_empty() && strings.len() == items.len() {
                    if strings.len() > 1 && strings[0].eq_ignore_ascii_case("pg_catalog") {
                        return refuse(format!(
                            "acts on {}, a built-in the allow-list trusts",
                            strings.join(".")
                        ));
                    }
                    if let Some(last) = strings.last() {
                        needs.ddl_names.insert(last.clone());
                    }
                    return Ok(());
                }
                items.iter().try_for_each(|i| go(i, needs))
            }
            _ => Ok(()),
        }
    }
    go(&tree(node), needs)
}

/// Classifies one statement's text with PostgreSQL's parser: the catalog checks it needs, or
/// why it is not run on the target.
pub fn classify(sql: &str) -> Result<Needs, String> {
    let sql = sql.to_string();
    on_large_stack(move || classify_here(&sql))
}

fn classify_here(sql: &str) -> Result<Needs, String> {
    let parsed = pg_query::parse(sql, 0).map_err(parser_refusal)?;
    let statements: Vec<&NodeEnum> = parsed
        .protobuf
        .stmts
        .iter()
        .filter_map(|s| s.stmt.as_ref().and_then(|n| n.node.as_ref()))
        .collect();
    let [node] = statements.as_slice() else {
        return refuse(format!(
            "holds {} statements where one was expected",
            statements.len()
        ));
    };
    let mut needs = Needs::default();
    classify_node(node, &mut needs)?;
    Ok(needs)
}

/// The functions, operators and casts of a catalog expression (a default, a constraint, an
/// index definition), as [`classify`] would judge them in a statement.
fn expression_needs(statement: &str) -> Result<Needs, String> {
    let statement = statement.to_string();
    on_large_stack(move || expression_needs_here(&statement))
}

fn expression_needs_here(statement: &str) -> Result<Needs, String> {
    let parsed = pg_query::parse(statement, 0)
        .map_err(|e| format!("cannot be checked: {}", parser_refusal(e)))?;
    let mut needs = Needs::default();
    for stmt in &parsed.protobuf.stmts {
        if let Some(node) = stmt.stmt.as_ref().and_then(|n| n.node.as_ref()) {
            walk(&tree(node), &mut needs)?;
        }
    }
    Ok(needs)
}

/// Statement pieces of a migration with their byte ranges: PostgreSQL's own splitter, or the
/// project's when the file does not parse (a piece holding more than one statement is then
/// refused by [`classify`] and by the server).
fn statements(text: &str) -> Vec<TextRange> {
    let owned = text.to_string();
    let split = on_large_stack(move || {
        pg_query::split_with_parser(&owned)
            .map(|pieces| {
                pieces
                    .iter()
                    .map(|p| {
                        let start = p.as_ptr() as usize - owned.as_ptr() as usize;
                        (start, start + p.len())
                    })
                    .collect::<Vec<_>>()
            })
            .map_err(|e| e.to_string())
    });
    let pieces: Vec<(usize, usize)> = match split {
        Ok(pieces) => pieces,
        Err(_) => crate::sql::split::split(text, Dialect::Postgres)
            .statements
            .iter()
            .map(|s| (s.range.start, s.range.end))
            .collect(),
    };
    pieces
        .into_iter()
        .filter_map(|(start, end)| {
            let piece = text.get(start..end)?;
            let tokens = tokenize(piece, Dialect::Postgres);
            let first = tokens.iter().find(|t| !t.is_trivia())?;
            let last = tokens.iter().rev().find(|t| !t.is_trivia())?;
            Some(TextRange::new(start + first.start, start + last.end))
        })
        .collect()
}

/// Bound text parameters for `string_to_array($1, ' ')`: names without spaces (allow-listed
/// functions, operators, type names of the parse tree) joined by spaces.
fn name_list(names: &BTreeSet<String>) -> String {
    names
        .iter()
        .filter(|n| !n.contains(' '))
        .cloned()
        .collect::<Vec<_>>()
        .join(" ")
}

/// One catalog relation, as read for the checks.
struct Relation {
    oid: String,
    kind: String,
    name: String,
    row_security: bool,
}

const RELATION_SQL: &str = "SELECT c.oid::pg_catalog.text, c.relkind::pg_catalog.text, n.nspname::pg_catalog.text || '.' || c.relname::pg_catalog.text, c.relrowsecurity::pg_catalog.text FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = ";

async fn relation(
    client: &mut Client,
    condition: &str,
    param: &str,
) -> Result<Option<Relation>, DbError> {
    let rows = client
        .query_bound(&format!("{RELATION_SQL}{condition}"), &[param])
        .await?;
    Ok(rows.into_iter().next().and_then(|row| match &row[..] {
        [Some(oid), Some(kind), Some(name), Some(rls)] => Some(Relation {
            oid: oid.clone(),
            kind: kind.clone(),
            name: name.clone(),
            row_security: rls == "true",
        }),
        _ => None,
    }))
}

/// Reads the catalog (inside the transaction, so earlier statements' triggers and functions
/// are seen) for code `needs` would run indirectly; `Some(reason)` refuses the statement.
pub async fn catalog_refusal(
    client: &mut Client,
    needs: &Needs,
) -> Result<Option<String>, DbError> {
    let mut needs = needs.clone();
    // The relations it names, and for writes those the write reaches: partitions and
    // inheritance children, and tables whose foreign keys cascade from them.
    let mut seen: HashSet<String> = HashSet::new();
    let mut queue: Vec<(Relation, bool, bool)> = Vec::new();
    for name in &needs.relations {
        if let Some(r) =
            relation(client, "pg_catalog.to_regclass($1::pg_catalog.text)", name).await?
        {
            let writes = needs.written.contains(name);
            let alters = needs.altered.contains(name);
            // A relation named twice (read and written) is checked as written.
            if let Some(entry) = queue.iter_mut().find(|(q, _, _)| q.oid == r.oid) {
                entry.1 |= writes;
                entry.2 |= alters;
            } else if seen.insert(r.oid.clone()) {
                queue.push((r, writes, alters));
            }
        }
    }
    let mut checked = 0usize;
    while let Some((r, writes, alters)) = queue.pop() {
        checked += 1;
        if checked > 2000 {
            return Ok(Some(
                "it reaches more than 2000 relations: too many to check".into(),
            ));
        }
        let mut reads = Vec::new();
        if let Some(why) =
            relation_refusal(client, &r, writes, alters, &mut needs, &mut reads).await?
        {
            return Ok(Some(why));
        }
        // The relations a view reads.
        for oid in reads {
            if seen.insert(oid.clone()) {
                if let Some(next) =
                    relation(client, "$1::pg_catalog.text::pg_catalog.oid", &oid).await?
                {
                    queue.push((next, false, false));
                }
            }
        }
        // Partitions and inheritance children are written or altered with their parent;
        // a write also reaches the tables whose foreign keys cascade from it.
        if writes || alters {
            let sql = if writes {
                "SELECT inhrelid::pg_catalog.text FROM pg_catalog.pg_inherits WHERE inhparent = $1::pg_catalog.text::pg_catalog.oid UNION SELECT conrelid::pg_catalog.text FROM pg_catalog.pg_constraint WHERE contype = 'f' AND confrelid = $1::pg_catalog.text::pg_catalog.oid AND (confdeltype NOT IN ('a', 'r') OR confupdtype NOT IN ('a', 'r'))"
            } else {
                "SELECT inhrelid::pg_catalog.text FROM pg_catalog.pg_inherits WHERE inhparent = $1::pg_catalog.text::pg_catalog.oid"
            };
            let reached = client.query_bound(sql, &[&r.oid]).await?;
            for oid in reached
                .into_iter()
                .filter_map(|row| row.into_iter().next().flatten())
            {
                if seen.insert(oid.clone()) {
                    if let Some(next) =
                        relation(client, "$1::pg_catalog.text::pg_catalog.oid", &oid).await?
                    {
                        queue.push((next, writes, alters));
                    }
                }
            }
        }
    }
    // Names that could resolve to something else than the built-in.
    if !needs.ddl_names.is_empty() {
        let rows = client
            .query_bound(
                "SELECT 'function pg_catalog.' || p.proname::pg_catalog.text FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace WHERE (n.nspname = 'pg_catalog' OR p.oid < 16384) AND p.proname::pg_catalog.text = ANY (pg_catalog.string_to_array($1::pg_catalog.text, ' ')) UNION ALL SELECT 'type pg_catalog.' || t.typname::pg_catalog.text FROM pg_catalog.pg_type t JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace WHERE (n.nspname = 'pg_catalog' OR t.oid < 16384) AND t.typname::pg_catalog.text = ANY (pg_catalog.string_to_array($1::pg_catalog.text, ' ')) ORDER BY 1 LIMIT 1",
                &[&name_list(&needs.ddl_names)],
            )
            .await?;
        if let Some(name) = rows
            .into_iter()
            .next()
            .and_then(|r| r.into_iter().next().flatten())
        {
            return Ok(Some(format!(
                "it renames, alters or drops something named like the built-in {name}, which the allow-list trusts"
            )));
        }
    }
    if !needs.functions.is_empty() {
        let rows = client
            .query_bound(
                "SELECT n.nspname::pg_catalog.text || '.' || p.proname::pg_catalog.text FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace WHERE (n.nspname <> 'pg_catalog' OR p.oid >= 16384) AND p.proname::pg_catalog.text = ANY (pg_catalog.string_to_array($1::pg_catalog.text, ' ')) ORDER BY 1 LIMIT 1",
                &[&name_list(&needs.functions)],
            )
            .await?;
        if let Some(name) = rows
            .into_iter()
            .next()
            .and_then(|r| r.into_iter().next().flatten())
        {
            return Ok(Some(format!(
                "the target has a function {name}(), which could be called instead of the built-in one"
            )));
        }
    }
    if !needs.operators.is_empty() {
        let rows = client
            .query_bound(
                "SELECT n.nspname::pg_catalog.text || '.' || o.oprname::pg_catalog.text FROM pg_catalog.pg_operator o JOIN pg_catalog.pg_namespace n ON n.oid = o.oprnamespace WHERE (n.nspname <> 'pg_catalog' OR o.oid >= 16384) AND o.oprname::pg_catalog.text = ANY (pg_catalog.string_to_array($1::pg_catalog.text, ' ')) ORDER BY 1 LIMIT 1",
                &[&name_list(&needs.operators)],
            )
            .await?;
        if let Some(name) = rows
            .into_iter()
            .next()
            .and_then(|r| r.into_iter().next().flatten())
        {
            return Ok(Some(format!(
                "the target has an operator {name}, whose function could run instead of the built-in one"
            )));
        }
    }
    if !needs.casts.is_empty() {
        let rows = client
            .query_bound(
                "SELECT 'type ' || n.nspname::pg_catalog.text || '.' || t.typname::pg_catalog.text FROM pg_catalog.pg_type t JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace WHERE (n.nspname <> 'pg_catalog' OR t.oid >= 16384) AND t.typtype <> 'e' AND t.typname::pg_catalog.text = ANY (pg_catalog.string_to_array($1::pg_catalog.text, ' ')) UNION ALL SELECT 'cast function ' || pn.nspname::pg_catalog.text || '.' || p.proname::pg_catalog.text FROM pg_catalog.pg_cast c JOIN pg_catalog.pg_type t ON t.oid = c.casttarget JOIN pg_catalog.pg_proc p ON p.oid = c.castfunc JOIN pg_catalog.pg_namespace pn ON pn.oid = p.pronamespace WHERE (pn.nspname <> 'pg_catalog' OR p.oid >= 16384) AND t.typname::pg_catalog.text = ANY (pg_catalog.string_to_array($1::pg_catalog.text, ' ')) ORDER BY 1 LIMIT 1",
                &[&name_list(&needs.casts)],
            )
            .await?;
        if let Some(name) = rows
            .into_iter()
            .next()
            .and_then(|r| r.into_iter().next().flatten())
        {
            return Ok(Some(format!(
                "it converts values with the target's {name}, whose code is not checked"
            )));
        }
    }
    Ok(None)
}

/// The checks of one relation the statement touches.
async fn relation_refusal(
    client: &mut Client,
    r: &Relation,
    writes: bool,
    alters: bool,
    needs: &mut Needs,
    reads: &mut Vec<String>,
) -> Result<Option<String>, DbError> {
    let name = &r.name;
    // A superuser can write the system catalogs (pg_proc's source of a built-in, say): what
    // the checks rely on would then be something else.
    let system = ["pg_catalog.", "information_schema.", "pg_toast."]
        .iter()
        .any(|p| name.starts_with(p))
        || r.oid.parse::<u64>().is_ok_and(|oid| oid < 16384);
    if writes && system {
        return Ok(Some(format!("it writes the system catalog {name}")));
    }
    if r.kind == "f" {
        return Ok(Some(format!(
            "{name} is a foreign table: using it reaches another server"
        )));
    }
    let oid = r.oid.as_str();
    // A view's query runs where the view is read: it is judged like a statement, and the
    // relations it reads are checked in turn. Writing through a view is not checked: refused.
    // (A materialized view is read like a table; REFRESH, which runs its query, is refused.)
    if needs.queries && r.kind == "v" {
        if writes {
            return Ok(Some(format!(
                "{name} is a view: writing through it is not checked"
            )));
        }
        let definition = client
            .query_bound(
                "SELECT pg_catalog.pg_get_viewdef($1::pg_catalog.text::pg_catalog.oid)",
                &[oid],
            )
            .await?
            .into_iter()
            .next()
            .and_then(|r| r.into_iter().next().flatten())
            .unwrap_or_default();
        match expression_needs(&definition) {
            Ok(found) => {
                needs.functions.extend(found.functions);
                needs.operators.extend(found.operators);
                needs.casts.extend(found.casts);
            }
            Err(why) => return Ok(Some(format!("the query of view {name} {why}"))),
        }
        for row in client
            .query_bound(
                "SELECT DISTINCT d.refobjid::pg_catalog.text FROM pg_catalog.pg_depend d JOIN pg_catalog.pg_rewrite w ON w.oid = d.objid WHERE d.classid = 'pg_catalog.pg_rewrite'::pg_catalog.regclass AND d.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass AND w.ev_class = $1::pg_catalog.text::pg_catalog.oid AND d.refobjid <> w.ev_class ORDER BY 1",
                &[oid],
            )
            .await?
        {
            if let Some(read) = row.into_iter().next().flatten() {
                reads.push(read);
            }
        }
    }
    let first = |rows: Vec<Vec<Option<String>>>| {
        rows.into_iter()
            .next()
            .and_then(|r| r.into_iter().next().flatten())
    };
    if writes {
        if let Some(trigger) = first(
            client
                .query_bound(
                    "SELECT tgname::pg_catalog.text FROM pg_catalog.pg_trigger WHERE tgrelid = $1::pg_catalog.text::pg_catalog.oid AND NOT tgisinternal AND tgenabled <> 'D' ORDER BY 1 LIMIT 1",
                    &[oid],
                )
                .await?,
        ) {
            return Ok(Some(format!(
                "{name} has trigger {trigger}, whose function would run"
            )));
        }
        if let Some(rule) = first(
            client
                .query_bound(
                    "SELECT rulename::pg_catalog.text FROM pg_catalog.pg_rewrite WHERE ev_class = $1::pg_catalog.text::pg_catalog.oid AND rulename <> '_RETURN' ORDER BY 1 LIMIT 1",
                    &[oid],
                )
                .await?,
        ) {
            return Ok(Some(format!(
                "{name} has rule {rule}, which rewrites writes into other statements"
            )));
        }
    }
    if r.row_security && (writes || needs.queries) {
        return Ok(Some(format!(
            "{name} has row-level security: its policies' expressions are not checked"
        )));
    }
    // Expressions the statement may evaluate.
    let mut parts = Vec::new();
    if writes && needs.defaults {
        parts.push("SELECT 'the default of column ' || a.attname::pg_catalog.text, 'SELECT ' || pg_catalog.pg_get_expr(d.adbin, d.adrelid) FROM pg_catalog.pg_attrdef d JOIN pg_catalog.pg_attribute a ON a.attrelid = d.adrelid AND a.attnum = d.adnum WHERE d.adrelid = $1::pg_catalog.text::pg_catalog.oid AND a.attgenerated = ''");
        parts.push("SELECT 'identity column ' || attname::pg_catalog.text, 'SELECT nextval(NULL)' FROM pg_catalog.pg_attribute WHERE attrelid = $1::pg_catalog.text::pg_catalog.oid AND attidentity <> '' AND NOT attisdropped");
    }
    if writes || alters {
        parts.push("SELECT 'generated column ' || a.attname::pg_catalog.text, 'SELECT ' || pg_catalog.pg_get_expr(d.adbin, d.adrelid) FROM pg_catalog.pg_attrdef d JOIN pg_catalog.pg_attribute a ON a.attrelid = d.adrelid AND a.attnum = d.adnum WHERE d.adrelid = $1::pg_catalog.text::pg_catalog.oid AND a.attgenerated <> ''");
        parts.push("SELECT 'constraint ' || conname::pg_catalog.text, 'ALTER TABLE t ADD ' || pg_catalog.pg_get_constraintdef(oid) FROM pg_catalog.pg_constraint WHERE conrelid = $1::pg_catalog.text::pg_catalog.oid AND contype = 'c'");
        parts.push("SELECT 'constraint ' || con.conname::pg_catalog.text || ' of domain ' || t.typname::pg_catalog.text, 'ALTER TABLE t ADD ' || pg_catalog.pg_get_constraintdef(con.oid) FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_constraint con ON con.contypid = a.atttypid JOIN pg_catalog.pg_type t ON t.oid = con.contypid WHERE a.attrelid = $1::pg_catalog.text::pg_catalog.oid AND a.attnum > 0 AND NOT a.attisdropped AND con.contype = 'c'");
        parts.push("SELECT 'index ' || c.relname::pg_catalog.text, pg_catalog.pg_get_indexdef(i.indexrelid) FROM pg_catalog.pg_index i JOIN pg_catalog.pg_class c ON c.oid = i.indexrelid WHERE i.indrelid = $1::pg_catalog.text::pg_catalog.oid AND (i.indexprs IS NOT NULL OR i.indpred IS NOT NULL)");
    }
    if parts.is_empty() {
        return Ok(None);
    }
    let mut rows = client
        .query_bound(&format!("{} ORDER BY 1", parts.join(" UNION ALL ")), &[oid])
        .await?;
    rows.sort();
    for row in rows {
        let [Some(what), Some(text)] = &row[..] else {
            continue;
        };
        match expression_needs(text) {
            Ok(found) => {
                needs.functions.extend(found.functions);
                needs.operators.extend(found.operators);
                needs.casts.extend(found.casts);
            }
            Err(why) => return Ok(Some(format!("{what} of {name} {why}"))),
        }
    }
    Ok(None)
}

/// Event triggers that are enabled: they fire on any DDL and run their own code.
async fn event_triggers(client: &mut Client) -> Result<Vec<String>, DbError> {
    Ok(client
        .query_bound(
            "SELECT evtname::pg_catalog.text FROM pg_catalog.pg_event_trigger WHERE evtenabled <> 'D' AND $1::pg_catalog.text = $1::pg_catalog.text ORDER BY 1",
            &[""],
        )
        .await?
        .into_iter()
        .filter_map(|r| r.into_iter().next().flatten())
        .collect())
}

/// A statement failure as the report shows it: lock and statement timeouts say which limit.
fn explain_limits(mut error: StatementError, limits: Limits) -> StatementError {
    match error.code.as_deref() {
        Some("55P03") => {
            error.message = format!(
                "{}: another session holds a lock it needs, and it waited the lock timeout ({}, --lock-timeout)",
                error.message,
                seconds(limits.lock_timeout)
            );
        }
        Some("57014") if error.message.contains("statement timeout") => {
            error.message = format!(
                "{}: it ran longer than the statement timeout ({}, --statement-timeout)",
                error.message,
                seconds(limits.statement_timeout)
            );
        }
        _ => {}
    }
    error
}

/// `dry-run --on-target`: see the module documentation. `settings` must be a PostgreSQL
/// target.
pub async fn dry_run(
    project: &Project,
    set: &MigrationSet,
    settings: &DbSettings,
    limits: Limits,
    progress: &mut (dyn FnMut(&str) + Send),
) -> Result<DryRunReport, DbError> {
    if settings.connection.flavor != Flavor::Postgres {
        return Err(DbError::connect(format!(
            "--on-target is PostgreSQL only; {} is a {} database: run the dry-run isolated (without --on-target)",
            settings.connection.redacted(),
            settings.connection.flavor.name()
        )));
    }
    progress(&format!(
        "dry-run on {} in a transaction that is rolled back",
        settings.connection.redacted()
    ));
    let mut client = Client::connect(&settings.connection, CONNECT_TIMEOUT).await?;
    let status = match super::read_with(&mut client, project, set, settings).await {
        Ok(status) => status,
        Err(e) => {
            client.close().await;
            return Err(e);
        }
    };
    let result = match client.execute("BEGIN").await {
        Ok(()) => {
            let result = run(
                &mut client,
                project,
                set,
                settings,
                &status,
                limits,
                progress,
            )
            .await;
            // Always rolled back; a connection that is gone has ended it already.
            let _ = client.execute("ROLLBACK").await;
            result
        }
        Err(e) => Err(e),
    };
    client.close().await;
    let mut report = result?;
    report.target = Some(status.target.clone());
    report.on_target = true;
    report.how = format!(
        "on the target, PostgreSQL {} at {}, in one transaction that was rolled back: every statement was checked against an allow-list before it ran, one at a time",
        status.server_version, status.target
    );
    Ok(report)
}

#[allow(clippy::too_many_arguments)]
async fn run(
    client: &mut Client,
    project: &Project,
    set: &MigrationSet,
    settings: &DbSettings,
    status: &super::DbStatus,
    limits: Limits,
    progress: &mut (dyn FnMut(&str) + Send),
) -> Result<DryRunReport, DbError> {
    let version = crate::sql::server::leading_version(&status.server_version).unwrap_or_default();
    let schema = status.schema.to_ascii_lowercase();
    if schema == "pg_catalog" || schema.starts_with("pg_temp") || schema == "information_schema" {
        return Err(DbError::connect(format!(
            "--on-target does not run migrations whose default schema is {}: the built-ins the allow-list trusts live there",
            status.schema
        )));
    }
    // The tool's limits, local to its transaction; the migration cannot change them (SET and
    // RESET are refused, and so is every function that could).
    let idle = (limits.lock_timeout + limits.statement_timeout).max(Duration::from_secs(60));
    let mut setup = format!(
        "SET LOCAL lock_timeout = '{}ms'; SET LOCAL statement_timeout = '{}ms'; SET LOCAL idle_in_transaction_session_timeout = '{}ms'; SET LOCAL search_path TO {}",
        limits.lock_timeout.as_millis(),
        limits.statement_timeout.as_millis(),
        idle.as_millis(),
        quote_ident(Flavor::Postgres, &status.schema)
    );
    if version.first().is_some_and(|&major| major >= 14) {
        // A statement whose client is gone (a signal, a crash) is cancelled within a second.
        setup.push_str("; SET LOCAL client_connection_check_interval = '1s'");
    }
    client.execute(&setup).await?;
    let (prepared, mut notes) = dryrun::prepare(project, set, status, settings);
    notes.extend(dryrun::validate_note(status));
    let mut migrations = Vec::new();
    let triggers = event_triggers(client).await?;
    if !triggers.is_empty() {
        notes.push(format!(
            "the target has enabled event triggers ({}): they fire on any DDL and run their own code, so nothing was dry-run on the target; run it isolated (without --on-target)",
            triggers.join(", ")
        ));
        for item in &prepared {
            migrations.push(dryrun::migration_header(set, status, item.file));
        }
        return Ok(report(migrations, notes));
    }
    client
        .execute(&format!(
            "CREATE SCHEMA IF NOT EXISTS {}",
            quote_ident(Flavor::Postgres, &status.schema)
        ))
        .await?;
    let existing = dryrun::existing_relations(client).await?;
    let mut held = HashSet::new();
    let bound = limits.lock_timeout + limits.statement_timeout + Duration::from_secs(10);
    let mut stopped = false;
    for item in &prepared {
        let mut run = dryrun::migration_header(set, status, item.file);
        if stopped {
            migrations.push(run);
            continue;
        }
        progress(&format!("dry-run {} on the target", run.script));
        let original = set.files[item.file].text().unwrap_or("");
        let exact = original == item.text;
        let started = Instant::now();
        run.outcome = MigrationOutcome::Ok;
        for range in statements(&item.text) {
            let sql = &item.text[range.start..range.end];
            let verdict = match classify(sql) {
                Ok(needs) => bounded(bound, catalog_refusal(client, &needs)).await?,
                Err(why) => Some(why),
            };
            if let Some(why) = verdict {
                refuse_at(&mut run, &item.text, range, why);
                stopped = true;
                break;
            }
            let t = Instant::now();
            client.execute("SAVEPOINT flyway_lsp_statement").await?;
            let result = match tokio::time::timeout(bound, client.execute_one(sql)).await {
                Ok(result) => result,
                Err(_) => return Err(no_answer(bound)),
            };
            let elapsed = t.elapsed();
            match result {
                Ok(_) => {
                    client
                        .execute("RELEASE SAVEPOINT flyway_lsp_statement")
                        .await?;
                    let locks =
                        bounded(bound, dryrun::new_locks(client, &existing, &mut held)).await?;
                    run.record(&item.text, range, Outcome::Ok, elapsed, locks);
                }
                Err(DbError::Statement(error)) => {
                    client
                        .execute("ROLLBACK TO SAVEPOINT flyway_lsp_statement")
                        .await?;
                    run.fail(
                        &item.text,
                        range,
                        exact,
                        explain_limits(error, limits),
                        elapsed,
                    );
                    stopped = true;
                    break;
                }
                Err(other) => return Err(other),
            }
        }
        run.elapsed = started.elapsed();
        migrations.push(run);
    }
    Ok(report(migrations, notes))
}

/// The client's own bound, for a target that stops answering (the server's timeouts cover one
/// that answers).
async fn bounded<T>(
    bound: Duration,
    work: impl std::future::Future<Output = Result<T, DbError>>,
) -> Result<T, DbError> {
    tokio::time::timeout(bound, work)
        .await
        .unwrap_or_else(|_| Err(no_answer(bound)))
}

fn no_answer(bound: Duration) -> DbError {
    DbError::Busy(format!(
        "the target did not answer within {}; gave up (its transaction ends uncommitted when the connection closes)",
        seconds(bound)
    ))
}

fn report(migrations: Vec<MigrationRun>, notes: Vec<String>) -> DryRunReport {
    DryRunReport {
        how: String::new(),
        target: None,
        on_target: true,
        migrations,
        notes,
    }
}

/// Marks the statement at `range` as refused: it and what follows are not run.
fn refuse_at(run: &mut MigrationRun, text: &str, range: TextRange, why: String) {
    let at = LineCol::of(text, range.start);
    let message = format!("{REFUSED}: {why}");
    run.statements.push(dryrun::StatementRun {
        range,
        start: at,
        outcome: Outcome::Refused(message.clone()),
        elapsed: Duration::ZERO,
        locks: Vec::new(),
    });
    run.refused = Some(Failure {
        at,
        offset: range.start,
        message,
    });
    run.outcome = MigrationOutcome::Refused;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(sql: &str) -> String {
        match classify(sql) {
            Err(why) => why,
            Ok(needs) => panic!("{sql}: expected a refusal, got {needs:?}"),
        }
    }

    fn allowed(sql: &str) -> Needs {
        classify(sql).unwrap_or_else(|why| panic!("{sql}: refused: {why}"))
    }

    #[test]
    fn hostile_statements_are_refused_by_kind_or_by_the_functions_they_call() {
        for (sql, because) in [
            ("DO $$ BEGIN PERFORM setval('s', 1); END $$", "DO block"),
            ("SELECT \"setval\"('users_id_seq', 2000)", "setval()"),
            ("SELECT pg_catalog.setval('s', 1)", "setval()"),
            ("SELECT nextval('s')", "sequence"),
            (
                "SELECT dblink_exec('dbname=x', 'DROP TABLE t')",
                "another database",
            ),
            ("SELECT \"dblink_exec\"('x', 'y')", "another database"),
            ("SELECT public.dblink('x', 'y')", "public.dblink()"),
            ("COPY (SELECT 1) TO PROGRAM 'touch /tmp/x'", "COPY"),
            (
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity",
                "other sessions",
            ),
            ("SET lock_timeout = 0", "SET / RESET"),
            ("RESET ALL", "SET / RESET"),
            ("SET statement_timeout TO DEFAULT", "SET / RESET"),
            ("SET ROLE postgres", "SET / RESET"),
            ("SET SESSION AUTHORIZATION postgres", "SET / RESET"),
            ("SET search_path = public, pg_catalog", "pg_catalog"),
            ("SET search_path = pg_temp, public", "pg_temp"),
            ("COMMIT", "transaction control"),
            ("BEGIN", "transaction control"),
            ("SAVEPOINT x", "transaction control"),
            ("CALL p()", "CALL"),
            ("LISTEN x", "LISTEN"),
            ("NOTIFY x", "LISTEN"),
            ("VACUUM t", "VACUUM"),
            ("CREATE DATABASE x", "databases"),
            ("DROP DATABASE x", "databases"),
            ("CREATE ROLE x SUPERUSER", "roles"),
            ("DROP ROLE x", "roles"),
            ("GRANT admin TO bob", "roles"),
            ("CREATE TABLESPACE x LOCATION '/tmp'", "tablespaces"),
            ("CREATE EXTENSION dblink", "EXTENSION"),
            ("DROP EXTENSION dblink", "EXTENSION"),
            (
                "CREATE SUBSCRIPTION s CONNECTION 'x' PUBLICATION p",
                "other servers",
            ),
            ("CREATE PUBLICATION p FOR ALL TABLES", "other servers"),
            (
                "CREATE SERVER s FOREIGN DATA WRAPPER postgres_fdw",
                "other servers",
            ),
            ("ALTER SYSTEM SET work_mem = '1MB'", "configuration file"),
            ("CREATE INDEX CONCURRENTLY i ON t (a)", "CONCURRENTLY"),
            ("DROP INDEX CONCURRENTLY i", "CONCURRENTLY"),
            (
                "CREATE EVENT TRIGGER e ON ddl_command_start EXECUTE FUNCTION f()",
                "event triggers",
            ),
            ("LOAD 'evil'", "shared library"),
            ("COMMENT ON DATABASE postgres IS 'x'", "COMMENT ON DATABASE"),
            ("CREATE OR REPLACE FUNCTION pg_catalog.lower(text) RETURNS text LANGUAGE sql AS 'SELECT 1'", "in pg_catalog"),
            ("ALTER FUNCTION pg_catalog.now() SET lock_timeout = 0", "pg_catalog.now"),
            ("ALTER FUNCTION evil() SET SCHEMA pg_catalog", "into pg_catalog"),
            ("DROP TYPE pg_catalog.int4", "pg_catalog.int4"),
            (
                "CREATE FUNCTION f() RETURNS int AS '/tmp/evil.so' LANGUAGE c",
                "language c",
            ),
            ("PREPARE p AS SELECT 1", "PrepareStmt"),
            ("SELECT * FROM other_db.public.t", "database `other_db`"),
            ("INSERT INTO t SELECT evil()", "evil()"),
            (
                "UPDATE t SET a = lower(b) WHERE c = pg_sleep(1)::text",
                "pg_sleep()",
            ),
            ("SELECT 1; DROP TABLE t", "2 statements"),
            (
                "WITH x AS (SELECT setval('s', 1)) SELECT * FROM x",
                "setval()",
            ),
            ("CREATE TABLE t2 AS SELECT f(x) FROM t", "f()"),
            (
                "ALTER TABLE t ADD COLUMN x int DEFAULT nextval('s')",
                "nextval()",
            ),
            (
                "CREATE SCHEMA s CREATE TABLE t (a int) CREATE VIEW v AS SELECT 1",
                "ok",
            ),
            ("SELEC 1", "parser"),
        ] {
            if because == "ok" {
                allowed(sql);
                continue;
            }
            let why = refused(sql);
            assert!(why.contains(because), "{sql}: {why}");
        }
    }

    #[test]
    fn ddl_and_dml_on_relations_run_with_the_checks_they_need() {
        let n = allowed("ALTER TABLE users ADD COLUMN email text NOT NULL DEFAULT lower('X')");
        assert!(n.alters && !n.writes);
        assert!(n.relations.contains("\"users\""));
        assert!(n.functions.contains("lower"));
        // A new column's type converts nothing; `lower('X')` gives `text` no cast either.
        assert!(!n.casts.contains("text"), "{n:?}");
        let n = allowed("ALTER TABLE users ALTER COLUMN age TYPE bigint USING age::numeric");
        assert!(
            n.casts.contains("int8") && n.casts.contains("numeric"),
            "{n:?}"
        );
        let n = allowed("INSERT INTO app.orders (id, at) SELECT id, now() FROM users WHERE id > 1");
        assert!(n.writes && n.defaults && n.queries);
        assert!(n.relations.contains("\"app\".\"orders\"") && n.relations.contains("\"users\""));
        assert!(n.operators.contains(">"));
        // Only the INSERT's target is written; `users` is read.
        assert_eq!(
            n.written.iter().collect::<Vec<_>>(),
            vec!["\"app\".\"orders\""]
        );
        let n = allowed("TRUNCATE a, s.b");
        assert!(n.written.contains("\"a\"") && n.written.contains("\"s\".\"b\""));
        let n = allowed("ALTER TABLE s.t ADD CONSTRAINT c CHECK (x > 0)");
        assert!(n.altered.contains("\"s\".\"t\"") && n.written.is_empty());
        let n = allowed("UPDATE users SET name = DEFAULT");
        assert!(n.writes && n.defaults);
        let n = allowed("DELETE FROM users WHERE id = 1");
        assert!(n.writes && !n.defaults);
        // Definitions do not run what they define.
        for sql in [
            "CREATE TABLE t (id bigint PRIMARY KEY DEFAULT nextval('s'), c int CHECK (evil(c)))",
            "CREATE FUNCTION evil() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT CASE WHEN 1 = 1 THEN 1 ELSE 2 END; END",
            "CREATE FUNCTION g() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM setval('s', 1); RETURN NULL; END $$",
            "CREATE TRIGGER tr AFTER INSERT ON t FOR EACH ROW EXECUTE FUNCTION g()",
            "CREATE VIEW v AS SELECT nextval('s')",
            "CREATE SEQUENCE s",
            "ALTER SEQUENCE s RESTART 100",
            "DROP TABLE t CASCADE",
            "GRANT SELECT ON t TO reader",
            "COMMENT ON TABLE t IS 'x'",
            "ALTER TABLE t RENAME TO u",
            "CREATE UNIQUE INDEX i ON t (lower(name))",
            "LOCK TABLE users IN ACCESS EXCLUSIVE MODE",
            "SET search_path TO app, public",
            // SQL syntax that the parser turns into calls of built-ins.
            "SELECT 'a' SIMILAR TO 'b', trim(both 'x' from 'xax'), extract(year from now()), position('a' in 'b'), now() at time zone 'UTC', (now(), now()) OVERLAPS (now(), now()), substring('abc' from 2 for 1)",
            "SET LOCAL search_path = app",
            "CREATE TYPE mood AS ENUM ('a', 'b')",
            "ALTER TYPE mood ADD VALUE 'c'",
        ] {
            allowed(sql);
        }
        assert!(refused("ALTER TABLE t RENAME TO u; COMMIT").contains("2 statements"));
        // DDL on functions and types: their names are checked against the built-ins.
        let n = allowed("ALTER FUNCTION pg_terminate_backend(int, bigint) RENAME TO lower");
        assert!(n.ddl_names.contains("pg_terminate_backend"), "{n:?}");
        assert!(!n.ddl_names.contains("int4"), "{n:?}");
        let n = allowed("ALTER FUNCTION audit(text) OWNER TO app");
        assert_eq!(n.ddl_names.iter().collect::<Vec<_>>(), vec!["audit"]);
        let n = allowed("DROP TYPE app.mood, other");
        assert!(
            n.ddl_names.contains("mood") && n.ddl_names.contains("other"),
            "{n:?}"
        );
        let n = allowed("ALTER TYPE mood RENAME TO feeling");
        assert!(n.ddl_names.contains("mood"), "{n:?}");
        // Tables are not built-ins: `DROP TABLE version` is not checked against version().
        assert!(allowed("DROP TABLE version").ddl_names.is_empty());
    }

    #[test]
    fn deep_or_long_statements_are_judged_without_crashing() {
        let deep = format!("SELECT {}1{}", "(".repeat(20_000), ")".repeat(20_000));
        // PostgreSQL's parser gives up on deep nesting: refused, not a crash.
        assert!(classify(&deep).is_err());
        // Deep trees, on this test thread's small stack: refused, never a crash.
        for depth in [100, 500, 5_000, 200_000] {
            let nested = format!("SELECT {}1", "1 + ".repeat(depth));
            let why = refused(&nested);
            assert!(why.contains("nested too deeply"), "{depth}: {why}");
        }
        assert!(allowed(&format!("SELECT {}1", "1 + ".repeat(20)))
            .operators
            .contains("+"));
        let long = format!(
            "INSERT INTO t VALUES {}",
            vec!["(1, lower('a'))"; 20_000].join(", ")
        );
        assert!(allowed(&long).functions.contains("lower"));
    }

    #[test]
    fn migrations_split_where_postgresql_splits_them() {
        let text = "-- head\nCREATE FUNCTION evil() RETURNS int LANGUAGE sql\nBEGIN ATOMIC\n  SELECT CASE WHEN 1 = 1 THEN 1 ELSE 2 END;\nEND;\nCOMMIT;\nDELETE FROM users;\n";
        let pieces: Vec<&str> = statements(text)
            .iter()
            .map(|r| &text[r.start..r.end])
            .collect();
        assert_eq!(pieces.len(), 3, "{pieces:?}");
        assert!(pieces[0].starts_with("CREATE FUNCTION") && pieces[0].ends_with("END"));
        assert_eq!(pieces[1], "COMMIT");
        assert_eq!(pieces[2], "DELETE FROM users");
        // A file PostgreSQL cannot parse falls back to the project's splitter.
        let broken = "SELECT 1;\nSELEC 2;\n";
        assert_eq!(statements(broken).len(), 2);
    }

    #[test]
    fn catalog_expressions_are_judged_like_statements() {
        assert!(expression_needs("SELECT nextval('users_id_seq'::regclass)")
            .unwrap_err()
            .contains("nextval()"));
        assert!(expression_needs("SELECT public.audit_id()")
            .unwrap_err()
            .contains("public.audit_id()"));
        let n = expression_needs("ALTER TABLE t ADD CHECK ((price > (0)::numeric))").unwrap();
        assert!(n.operators.contains(">") && n.casts.contains("numeric"));
        assert!(expression_needs("CREATE INDEX i ON public.t USING btree (lower(name))").is_ok());
    }
}
