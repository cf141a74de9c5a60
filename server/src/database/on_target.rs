//! `dry-run --on-target` (PostgreSQL only): the pending migrations run on the target itself,
//! for the failures that depend on its rows and for its real lock waits, inside one
//! transaction the tool opens and always rolls back.
//!
//! **The premise: no user-defined code can run.** A rollback undoes what the transaction wrote,
//! but not what code does outside it (a sequence moved, a file or another database written, a
//! session ended). An allow-list of statement shapes cannot see every way PostgreSQL runs code
//! (a first version was withdrawn after a review found nine), so the mode admits a run only where
//! there is no user code to reach, and statements only if they create none:
//!
//! 1. **Whole-run gate** ([`user_code`], [`stored_expressions`]), read before any migration
//!    statement runs: the run is refused, with one line naming what was found, if the target
//!    has any user-defined function, procedure or aggregate (object id from 16384 up, or outside
//!    `pg_catalog` / `information_schema`: extension functions included), cast, operator,
//!    operator class or family, access method, conversion, text-search parser or template,
//!    foreign-data wrapper, foreign server, foreign table, non-internal trigger, rule other than
//!    a view's `_RETURN`, event trigger, policy, table with row-level security, extension other
//!    than `plpgsql`, procedural language other than the built-ins, or transform; or a stored
//!    expression (column default, generated column, CHECK or domain constraint, domain default,
//!    index expression or predicate, partition key, a view's query) calling a built-in function
//!    that is not on [`ALLOWED_FUNCTIONS`] — except `nextval` in a column default, which instead
//!    makes the rows of that table unwritable for the run (below).
//!    With no user code, everything PostgreSQL can run implicitly — casts, operators, operator
//!    classes' support functions, type input and output, a function called in column syntax,
//!    foreign-key triggers — is built-in code, and the tests check on the server that none of
//!    those built-ins is volatile.
//! 2. **Per statement** ([`classify`]): PostgreSQL's own parser reads it; its kind must be one
//!    that acts on this database's data or schema and creates no code (`CREATE FUNCTION`,
//!    `TRIGGER`, `RULE`, `POLICY`, `CAST`, `OPERATOR`, `AGGREGATE`, base and range types,
//!    `DO`, `CALL`, `COPY`, extensions, foreign data, event triggers, transaction control,
//!    `SET` other than `search_path`, roles, databases… are refused); then its **whole** tree is
//!    walked, whatever its kind, and every function call must be an allow-listed built-in
//!    (unqualified or `pg_catalog.`), except `nextval` in a column default of `CREATE TABLE` or
//!    `ALTER COLUMN … SET DEFAULT`, which is not evaluated there. So nothing the run creates
//!    holds other code either. Then the catalog is read (in the transaction, so the run's own
//!    tables count): a statement that may evaluate a column default (INSERT, MERGE,
//!    `SET … = DEFAULT`, or an UPDATE / DELETE whose foreign keys cascade to an `ON … SET
//!    DEFAULT`) on a table, partition or child whose default or identity column draws from a
//!    sequence that existed before the run is refused (`nextval` advances it even when rolled
//!    back; a sequence the run created is dropped by the rollback); so is a write to a system
//!    catalog or through a view, and a `LOCK` of a system catalog.
//! 3. One connection; `BEGIN`, the tool's own `SET LOCAL lock_timeout`, `statement_timeout` and
//!    `idle_in_transaction_session_timeout` (the migration cannot lift them: `SET` / `RESET` of
//!    them is refused and so is every function that could), then one statement at a time
//!    through the extended protocol ([`Client::execute_one`]: a hidden second statement is
//!    refused by the server), each inside the tool's savepoint; `ROLLBACK` at the end, whatever
//!    happened. A connection that drops (a signal, a crash) ends the transaction uncommitted.
//!    A refused statement is not run: the report says "not dry-run on the target; run it
//!    isolated" and why, and nothing after it runs (its premise is gone).
//!
//! How the review's escapes are closed (each has a test in `tests/e2e/on_target.rs`):
//! a partition bound calling `setval` — the whole `CREATE TABLE` tree is walked now, `setval`
//! is not allowed; a function called in column syntax (`t.f` is `f(t)`), a domain whose CHECK
//! calls a function, a partition key expression calling one, a user cast (implicit or
//! assignment), a user operator class's support function, a trigger reached by `TRUNCATE …
//! CASCADE`, a foreign table under a parent that is read — each needs user code on the target
//! (a function, cast, opclass, trigger, foreign table), which refuses the whole run, and none
//! can be created by the migration; the same shapes with built-ins (`CHECK (setval(…) > 0)`,
//! `PARTITION BY LIST (setval(…))`) are refused by the walk; a `DELETE` whose foreign key
//! sets a child's column to its `nextval` default (`ON DELETE SET DEFAULT`; the first version
//! checked defaults for INSERT only) — the cascade is followed and the default checked.

use std::collections::{BTreeSet, HashSet};
use std::time::{Duration, Instant};

use pg_query::protobuf::{AlterTableType, ConstrType, ObjectType as Obj, VariableSetKind};
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

/// What the report says when the target itself rules the mode out.
pub const USER_CODE: &str = "--on-target runs only on targets without user code; run the dry-run isolated (without --on-target)";

/// Built-in functions a migration (or a stored expression of the target) may call: they read
/// their arguments (and at most the clock, the session's random state or the text-search
/// dictionaries) and change nothing. Anything else — `nextval` and `setval` (a rollback does
/// not undo them), `dblink*`, `pg_*` administration functions, every function outside
/// `pg_catalog` — is refused.
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
    "pg_collation_for", "similar_to_escape", "similar_escape", "normalize", "is_normalized",
    "overlaps", "num_nulls", "num_nonnulls",
    // text search (reads the dictionaries)
    "to_tsvector", "to_tsquery", "plainto_tsquery", "phraseto_tsquery", "websearch_to_tsquery",
    "setweight",
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
    /// Relations it names, as `to_regclass` text (quoted identifiers).
    pub relations: BTreeSet<String>,
    /// Of those, the ones it writes (the target of INSERT, UPDATE, DELETE, MERGE, TRUNCATE).
    pub written: BTreeSet<String>,
    /// Of those, the ones it locks with `LOCK`.
    pub locked: BTreeSet<String>,
    /// Names of types and domains that DDL acts on (renamed, re-owned, moved, dropped): none
    /// may be a built-in.
    pub ddl_types: BTreeSet<String>,
    /// It writes rows (INSERT, UPDATE, DELETE, MERGE, TRUNCATE anywhere in it).
    pub writes: bool,
    /// Column defaults can be evaluated (INSERT, MERGE, `SET x = DEFAULT`).
    pub defaults: bool,
    /// Foreign keys' `ON DELETE` actions can fire (DELETE, MERGE).
    pub deletes: bool,
    /// Foreign keys' `ON UPDATE` actions can fire (UPDATE, MERGE).
    pub updates: bool,
    /// It takes row locks (`SELECT … FOR UPDATE / SHARE`): never on a system catalog, whose
    /// rows (roles, databases) other sessions of the whole server need.
    pub row_locks: bool,
}

fn refuse<T>(why: impl Into<String>) -> Result<T, String> {
    Err(why.into())
}

/// Object kinds that hold data or schema of this database (no code), whose changes are
/// transactional.
fn data_object(kind: i32) -> bool {
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
            | ObjectColumn
            | ObjectAttribute
            | ObjectTabconstraint
            | ObjectDomconstraint
            | ObjectStatisticExt
            | ObjectCollation)
    )
}

/// Object kinds that are code, or choose which code runs.
fn code_object(kind: i32) -> bool {
    use Obj::*;
    matches!(
        Obj::try_from(kind),
        Ok(ObjectFunction
            | ObjectProcedure
            | ObjectRoutine
            | ObjectAggregate
            | ObjectTrigger
            | ObjectRule
            | ObjectPolicy
            | ObjectCast
            | ObjectOperator
            | ObjectOpclass
            | ObjectOpfamily
            | ObjectAmop
            | ObjectAmproc
            | ObjectAccessMethod
            | ObjectConversion
            | ObjectTsparser
            | ObjectTstemplate
            | ObjectTsdictionary
            | ObjectTsconfiguration
            | ObjectFdw
            | ObjectForeignServer
            | ObjectForeignTable
            | ObjectUserMapping
            | ObjectExtension
            | ObjectLanguage
            | ObjectTransform
            | ObjectEventTrigger)
    )
}

/// Routines: granting or commenting on one changes no code.
fn routine_object(kind: i32) -> bool {
    use Obj::*;
    matches!(
        Obj::try_from(kind),
        Ok(ObjectFunction | ObjectProcedure | ObjectRoutine | ObjectAggregate)
    )
}

fn type_object(kind: i32) -> bool {
    matches!(Obj::try_from(kind), Ok(Obj::ObjectType | Obj::ObjectDomain))
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

/// Why a statement acting on `kind` is refused, if it is.
fn object_refusal(kind: i32, what: &str) -> Result<(), String> {
    if code_object(kind) {
        return refuse(format!(
            "{what} {} creates or changes code, or which code runs: on the target nothing may add code",
            object_name(kind)
        ));
    }
    if !data_object(kind) {
        return refuse(format!(
            "{what} {} is not run on the target (it is not this database's data or schema)",
            object_name(kind)
        ));
    }
    Ok(())
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

/// Why a call of `name` (qualified by `schema`) is refused, if it is. `in_default`: the call is
/// in a column default that is stored, not evaluated, so `nextval` is let through (the catalog
/// check refuses the writes that would evaluate it).
fn function_refusal(schema: Option<&str>, name: &str, in_default: bool) -> Option<String> {
    let shown = match schema {
        Some(s) => format!("{s}.{name}"),
        None => name.to_string(),
    };
    let builtin = schema.is_none_or(|s| s == "pg_catalog");
    if builtin && (ALLOWED_FUNCTIONS.contains(&name) || (in_default && name == "nextval")) {
        return None;
    }
    let why = match name {
        _ if !builtin => "is not a built-in function",
        "nextval" | "setval" => "changes a sequence, which a rollback does not undo",
        n if n.starts_with("dblink") => "reaches another database, outside this transaction",
        "pg_terminate_backend" | "pg_cancel_backend" => "acts on other sessions of the server",
        n if n.starts_with("pg_") || n.starts_with("lo_") => {
            "is a server function outside the short list of built-in functions without effects"
        }
        _ => {
            "is not on the short list of built-in functions without effects outside the transaction"
        }
    };
    Some(format!("calls {shown}(), which {why}"))
}

/// Where the walk is in the tree.
#[derive(Debug, Clone, Copy, Default)]
struct Ctx {
    /// Inside `CREATE TABLE` (a new table: its column defaults are stored, not evaluated).
    create_table: bool,
    /// Inside a column default that is stored, not evaluated.
    column_default: bool,
}

fn enum_is(value: Option<&Value>, expected: i64) -> bool {
    value.and_then(Value::as_i64) == Some(expected)
}

/// A node of the tree without its `{"node": …}` wrapper.
fn unwrapped(v: &Value) -> &Value {
    v.get("node").unwrap_or(v)
}

/// Whether a function call's only argument is a constant, cast or not (`'s'`, `'s'::regclass`).
fn constant_argument(call: &serde_json::Map<String, Value>) -> bool {
    fn constant(v: &Value) -> bool {
        let v = unwrapped(v);
        v.get("AConst").is_some()
            || v.get("TypeCast")
                .and_then(|c| c.get("arg"))
                .is_some_and(constant)
    }
    match call
        .get("args")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
    {
        Some([only]) => constant(only),
        _ => false,
    }
}

/// Walks a whole parse tree (as JSON: every node kind is a key) for function calls, relations
/// and writes. Nothing is skipped: every object and array is entered.
fn walk(value: &Value, ctx: Ctx, needs: &mut Needs) -> Result<(), String> {
    match value {
        Value::Object(map) => {
            // A RangeVar, wrapped in a node or not (a statement's `relation` field is not).
            if let Some(name) = range_var(value) {
                needs.relations.insert(name?);
            }
            // A function call, wrapped or not (`FuncCall`, and any node naming a function).
            if let Some(funcname) = map.get("funcname") {
                let names = svals(funcname);
                let why = match names.as_slice() {
                    [name] => function_refusal(None, name, ctx.column_default),
                    [schema, name] => function_refusal(Some(schema), name, ctx.column_default),
                    _ => Some(format!(
                        "calls {}(), which is not a built-in function",
                        names.join(".")
                    )),
                };
                if let Some(why) = why {
                    return refuse(why);
                }
                // A stored `nextval` must name its sequence as a constant: the catalog checks
                // know the sequences a default draws from by its dependencies, which a name
                // computed at run time (`nextval(lower('S'))`) does not record.
                if names.last().is_some_and(|n| n == "nextval") && !constant_argument(map) {
                    return refuse(
                        "calls nextval() on a sequence named at run time, which may advance a sequence of the target even though the transaction is rolled back",
                    );
                }
            }
            // `(expression).name` selects a field, or calls the function `name` with the
            // expression as its argument (`('s'::regclass).nextval` is `nextval('s')`): the
            // name is not a function call in the tree, so it is refused outright.
            if let Some(fields) = map.get("AIndirection").and_then(|i| i.get("indirection")) {
                if let Some(name) = fields
                    .as_array()
                    .into_iter()
                    .flatten()
                    .find_map(|f| unwrapped(f).get("String").and_then(|s| s.get("sval")))
                {
                    return refuse(format!(
                        "selects .{} from an expression, which PostgreSQL may take as a call of the function {}()",
                        name.as_str().unwrap_or("?"),
                        name.as_str().unwrap_or("?")
                    ));
                }
            }
            if map.contains_key("LockingClause") {
                needs.row_locks = true;
            }
            for (key, inner) in map {
                let mut next = ctx;
                match key.as_str() {
                    "CreateStmt" => next.create_table = true,
                    "Constraint"
                        if ctx.create_table
                            && enum_is(inner.get("contype"), ConstrType::ConstrDefault as i64) =>
                    {
                        next.column_default = true
                    }
                    "AlterTableCmd"
                        if enum_is(
                            inner.get("subtype"),
                            AlterTableType::AtColumnDefault as i64,
                        ) =>
                    {
                        next.column_default = true
                    }
                    "SetToDefault" => needs.defaults = true,
                    "InsertStmt" | "MergeStmt" | "UpdateStmt" | "DeleteStmt" | "TruncateStmt" => {
                        needs.writes = true;
                        if matches!(key.as_str(), "InsertStmt" | "MergeStmt") {
                            needs.defaults = true;
                        }
                        if matches!(key.as_str(), "DeleteStmt" | "MergeStmt") {
                            needs.deletes = true;
                        }
                        if matches!(key.as_str(), "UpdateStmt" | "MergeStmt") {
                            needs.updates = true;
                        }
                        for target in targets(inner) {
                            needs.written.insert(target?);
                        }
                    }
                    "LockStmt" => {
                        for target in targets(inner) {
                            needs.locked.insert(target?);
                        }
                    }
                    _ => {}
                }
                walk(inner, next, needs)?;
            }
            Ok(())
        }
        Value::Array(items) => items.iter().try_for_each(|i| walk(i, ctx, needs)),
        _ => Ok(()),
    }
}

/// The relations a write or `LOCK` statement acts on (`relation`, or the list `relations`).
fn targets(statement: &Value) -> Vec<Result<String, String>> {
    let items: Vec<&Value> = match statement.get("relations") {
        Some(Value::Array(items)) => items.iter().collect(),
        _ => statement.get("relation").into_iter().collect(),
    };
    items
        .into_iter()
        .filter_map(|t| range_var(t.get("node").and_then(|n| n.get("RangeVar")).unwrap_or(t)))
        .collect()
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

/// Checks one statement node's kind against the list of kinds that act on this database's data
/// or schema and create no code. The caller then walks the whole tree ([`walk`]).
fn classify_node(node: &NodeEnum, needs: &mut Needs) -> Result<(), String> {
    use NodeEnum as N;
    match node {
        N::SelectStmt(_)
        | N::InsertStmt(_)
        | N::UpdateStmt(_)
        | N::DeleteStmt(_)
        | N::MergeStmt(_)
        | N::TruncateStmt(_)
        | N::CreateTableAsStmt(_)
        | N::RefreshMatViewStmt(_)
        | N::LockStmt(_)
        | N::AlterSeqStmt(_)
        | N::CreateSeqStmt(_)
        | N::VariableShowStmt(_)
        | N::CreateStatsStmt(_)
        | N::CreateStmt(_)
        | N::ViewStmt(_)
        | N::CompositeTypeStmt(_)
        | N::CreateEnumStmt(_)
        | N::AlterEnumStmt(_)
        | N::CreateDomainStmt(_)
        | N::AlterDomainStmt(_)
        | N::AlterDefaultPrivilegesStmt(_) => Ok(()),
        N::IndexStmt(s) => {
            if s.concurrent {
                let why = "CREATE INDEX CONCURRENTLY cannot run inside the transaction the tool rolls back";
                if s.if_not_exists {
                    return refuse(format!("{why}. {}", dryrun::CONCURRENT_IF_NOT_EXISTS));
                }
                return refuse(why);
            }
            Ok(())
        }
        N::AlterTableStmt(s) => object_refusal(s.objtype, "ALTER"),
        N::DefineStmt(s) => {
            if Obj::try_from(s.kind) == Ok(Obj::ObjectCollation) {
                return Ok(());
            }
            refuse(format!(
                "CREATE {} defines code (or, for a base type, the functions that read and write it): on the target nothing may add code",
                object_name(s.kind)
            ))
        }
        N::CommentStmt(s) => {
            if routine_object(s.objtype) {
                return Ok(());
            }
            object_refusal(s.objtype, "COMMENT ON")
        }
        N::GrantStmt(s) => {
            if routine_object(s.objtype) {
                return Ok(());
            }
            object_refusal(s.objtype, "GRANT / REVOKE on")
        }
        N::DropStmt(s) => {
            if s.concurrent {
                return refuse(
                    "DROP INDEX CONCURRENTLY cannot run inside the transaction the tool rolls back",
                );
            }
            object_refusal(s.remove_type, "DROP")?;
            if type_object(s.remove_type) {
                system_types(node, needs)?;
            }
            Ok(())
        }
        N::RenameStmt(s) => {
            object_refusal(s.rename_type, "renaming a")?;
            if type_object(s.rename_type) {
                system_types(node, needs)?;
            }
            Ok(())
        }
        N::AlterOwnerStmt(s) => {
            object_refusal(s.object_type, "changing the owner of a")?;
            if type_object(s.object_type) {
                system_types(node, needs)?;
            }
            Ok(())
        }
        N::AlterObjectSchemaStmt(s) => {
            object_refusal(s.object_type, "moving a")?;
            if s.newschema.eq_ignore_ascii_case("pg_catalog") {
                return refuse("moves an object into pg_catalog, where the built-ins live");
            }
            if type_object(s.object_type) {
                system_types(node, needs)?;
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
        N::CreateFunctionStmt(_) | N::AlterFunctionStmt(_) => refuse(
            "CREATE / ALTER FUNCTION or PROCEDURE adds or changes code: on the target nothing may add code",
        ),
        N::CreateTrigStmt(_) => refuse("CREATE TRIGGER makes code run on writes: on the target nothing may add code"),
        N::RuleStmt(_) => refuse("CREATE RULE rewrites statements into others: on the target nothing may add code"),
        N::CreatePolicyStmt(_) | N::AlterPolicyStmt(_) => {
            refuse("a row-level security policy adds expressions to every query of its table: on the target nothing may add code")
        }
        N::CreateCastStmt(_) => refuse("CREATE CAST chooses code for conversions: on the target nothing may add code"),
        N::CreateOpClassStmt(_) | N::CreateOpFamilyStmt(_) | N::AlterOpFamilyStmt(_) | N::AlterOperatorStmt(_) => {
            refuse("operators and operator classes choose the code that compares and indexes values: on the target nothing may add code")
        }
        N::CreateRangeStmt(_) | N::AlterTypeStmt(_) => refuse(
            "range types and ALTER TYPE … SET choose the functions of a type: on the target nothing may add code",
        ),
        N::CreateAmStmt(_)
        | N::CreateConversionStmt(_)
        | N::CreateTransformStmt(_)
        | N::CreatePlangStmt(_)
        | N::AlterTsdictionaryStmt(_)
        | N::AlterTsconfigurationStmt(_) => {
            refuse(format!("{} adds or changes code: on the target nothing may add code", kind_name(node)))
        }
        N::TransactionStmt(_) => refuse(
            "transaction control: on the target everything runs in the tool's own transaction, which it rolls back",
        ),
        N::DoStmt(_) => refuse("a DO block runs procedural code that cannot be checked before it runs"),
        N::CopyStmt(_) => refuse("COPY reads or writes files, programs or the client"),
        N::CallStmt(_) => refuse("CALL runs a procedure whose code cannot be checked before it runs"),
        N::VacuumStmt(_) => refuse("VACUUM / ANALYZE updates statistics in place, outside the transaction"),
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
            "{} is not on the list of statement kinds that act on this database's data or schema and add no code",
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

/// DDL acting on named types or domains (RENAME, OWNER, SET SCHEMA, DROP): one qualified with
/// `pg_catalog` is refused; the others' names are checked in the catalog, so a built-in type is
/// never renamed, moved or dropped.
fn system_types(node: &NodeEnum, needs: &mut Needs) -> Result<(), String> {
    fn names(strings: Vec<String>, needs: &mut Needs) -> Result<(), String> {
        if strings.len() > 1 && strings[0].eq_ignore_ascii_case("pg_catalog") {
            return refuse(format!("acts on {}, a built-in", strings.join(".")));
        }
        if let Some(last) = strings.last() {
            needs.ddl_types.insert(last.clone());
        }
        Ok(())
    }
    fn go(v: &Value, needs: &mut Needs) -> Result<(), String> {
        match v {
            Value::Object(map) => {
                // A type's name (a TypeName, or a name list).
                if let (Some(n), true) = (map.get("names"), map.contains_key("typemod")) {
                    return names(svals(n), needs);
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
                    return names(strings, needs);
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
    // Whatever its kind, the whole tree: a partition bound, a column default, a domain's
    // CHECK, an index expression are all walked.
    walk(&tree(node), Ctx::default(), &mut needs)?;
    Ok(needs)
}

/// One stored expression of the target, as deparsed text that PostgreSQL's parser reads back
/// (`SELECT <default>`, `ALTER TABLE t ADD <constraint>`, an index definition, a view's query).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stored {
    /// What it is ("the default of public.t.c").
    pub what: String,
    pub text: String,
    /// A column default, where `nextval` is let through (the writes that would evaluate it are
    /// refused per statement).
    pub column_default: bool,
}

/// The first stored expression that calls a function the statements could not call (or that
/// cannot be read back), with why.
pub fn expression_refusal(expressions: Vec<Stored>) -> Option<String> {
    on_large_stack(move || {
        for e in &expressions {
            let ctx = Ctx {
                create_table: false,
                column_default: e.column_default,
            };
            let verdict = pg_query::parse(&e.text, 0)
                .map_err(parser_refusal)
                .and_then(|parsed| {
                    let mut needs = Needs::default();
                    for stmt in &parsed.protobuf.stmts {
                        if let Some(node) = stmt.stmt.as_ref().and_then(|n| n.node.as_ref()) {
                            walk(&tree(node), ctx, &mut needs)?;
                        }
                    }
                    Ok(())
                });
            if let Err(why) = verdict {
                return Err(format!("{} {why}", e.what));
            }
        }
        Ok(())
    })
    .err()
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

/// Bound text parameters for `string_to_array($1, ' ')`: names without spaces joined by spaces.
fn name_list(names: &BTreeSet<String>) -> String {
    names
        .iter()
        .filter(|n| !n.contains(' '))
        .cloned()
        .collect::<Vec<_>>()
        .join(" ")
}

/// System schemas, as a condition on a `pg_namespace` alias `n`.
const USER_SCHEMA: &str =
    "n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_toast%'";

/// The user code of the target, by kind: `(kind, name)` rows. Object ids from 16384 up are made
/// after `initdb` (the built-ins and `information_schema` are below).
fn user_code_sql() -> String {
    [
        "SELECT 'user-defined functions', n.nspname::pg_catalog.text || '.' || p.proname::pg_catalog.text || '(' || pg_catalog.pg_get_function_identity_arguments(p.oid) || ')' FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace WHERE p.oid >= 16384 OR n.nspname NOT IN ('pg_catalog', 'information_schema')",
        "SELECT 'casts', pg_catalog.format_type(c.castsource, NULL) || ' AS ' || pg_catalog.format_type(c.casttarget, NULL) FROM pg_catalog.pg_cast c WHERE c.oid >= 16384",
        "SELECT 'operators', n.nspname::pg_catalog.text || '.' || o.oprname::pg_catalog.text FROM pg_catalog.pg_operator o JOIN pg_catalog.pg_namespace n ON n.oid = o.oprnamespace WHERE o.oid >= 16384 OR n.nspname <> 'pg_catalog'",
        "SELECT 'operator classes', n.nspname::pg_catalog.text || '.' || c.opcname::pg_catalog.text FROM pg_catalog.pg_opclass c JOIN pg_catalog.pg_namespace n ON n.oid = c.opcnamespace WHERE c.oid >= 16384 OR n.nspname <> 'pg_catalog'",
        "SELECT 'operator families', n.nspname::pg_catalog.text || '.' || f.opfname::pg_catalog.text FROM pg_catalog.pg_opfamily f JOIN pg_catalog.pg_namespace n ON n.oid = f.opfnamespace WHERE f.oid >= 16384 OR n.nspname <> 'pg_catalog'",
        "SELECT 'access methods', amname::pg_catalog.text FROM pg_catalog.pg_am WHERE oid >= 16384",
        "SELECT 'conversions', conname::pg_catalog.text FROM pg_catalog.pg_conversion WHERE oid >= 16384",
        "SELECT 'text-search parsers', prsname::pg_catalog.text FROM pg_catalog.pg_ts_parser WHERE oid >= 16384",
        "SELECT 'text-search templates', tmplname::pg_catalog.text FROM pg_catalog.pg_ts_template WHERE oid >= 16384",
        "SELECT 'foreign-data wrappers', fdwname::pg_catalog.text FROM pg_catalog.pg_foreign_data_wrapper",
        "SELECT 'foreign servers', srvname::pg_catalog.text FROM pg_catalog.pg_foreign_server",
        "SELECT 'foreign tables', n.nspname::pg_catalog.text || '.' || c.relname::pg_catalog.text FROM pg_catalog.pg_foreign_table f JOIN pg_catalog.pg_class c ON c.oid = f.ftrelid JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace",
        "SELECT 'triggers', n.nspname::pg_catalog.text || '.' || c.relname::pg_catalog.text || '.' || t.tgname::pg_catalog.text FROM pg_catalog.pg_trigger t JOIN pg_catalog.pg_class c ON c.oid = t.tgrelid JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE NOT t.tgisinternal",
        "SELECT 'rules', n.nspname::pg_catalog.text || '.' || c.relname::pg_catalog.text || '.' || r.rulename::pg_catalog.text FROM pg_catalog.pg_rewrite r JOIN pg_catalog.pg_class c ON c.oid = r.ev_class JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE r.rulename <> '_RETURN' AND (r.oid >= 16384 OR n.nspname NOT IN ('pg_catalog', 'information_schema'))",
        "SELECT 'event triggers', evtname::pg_catalog.text FROM pg_catalog.pg_event_trigger",
        "SELECT 'policies', n.nspname::pg_catalog.text || '.' || c.relname::pg_catalog.text || '.' || p.polname::pg_catalog.text FROM pg_catalog.pg_policy p JOIN pg_catalog.pg_class c ON c.oid = p.polrelid JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace",
        "SELECT 'tables with row-level security', n.nspname::pg_catalog.text || '.' || c.relname::pg_catalog.text FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE c.relrowsecurity OR c.relforcerowsecurity",
        "SELECT 'extensions', extname::pg_catalog.text FROM pg_catalog.pg_extension WHERE extname <> 'plpgsql'",
        "SELECT 'procedural languages', lanname::pg_catalog.text FROM pg_catalog.pg_language WHERE lanname NOT IN ('internal', 'c', 'sql', 'plpgsql')",
        "SELECT 'transforms', pg_catalog.format_type(trftype, NULL) FROM pg_catalog.pg_transform",
    ]
    .iter()
    .enumerate()
    .map(|(i, part)| part.replacen("SELECT ", &format!("SELECT {i}, "), 1))
    .collect::<Vec<_>>()
    .join(" UNION ALL ")
}

/// One line naming the target's user code ("user-defined functions (public.f(integer), …);
/// triggers (…)"), or `None` when it has none.
pub async fn user_code(client: &mut Client) -> Result<Option<String>, DbError> {
    // By the order of the kinds in the query, then by name.
    let mut rows: Vec<(usize, String, String)> = client
        .query_text(&user_code_sql())
        .await?
        .into_iter()
        .filter_map(|row| match &row[..] {
            [Some(i), Some(kind), Some(name)] => {
                Some((i.parse().unwrap_or(usize::MAX), kind.clone(), name.clone()))
            }
            _ => None,
        })
        .collect();
    rows.sort();
    let mut found: Vec<(String, Vec<String>)> = Vec::new();
    for (_, kind, name) in rows {
        match found.last_mut() {
            Some((k, names)) if *k == kind => names.push(name),
            _ => found.push((kind, vec![name])),
        }
    }
    if found.is_empty() {
        return Ok(None);
    }
    let parts: Vec<String> = found
        .iter()
        .map(|(kind, names)| {
            let shown: Vec<&str> = names.iter().take(3).map(String::as_str).collect();
            let more = if names.len() > 3 {
                format!(", … {} in all", names.len())
            } else {
                String::new()
            };
            format!("{kind} ({}{more})", shown.join(", "))
        })
        .collect();
    Ok(Some(format!("the target has {}", parts.join("; "))))
}

/// The stored expressions of the target's own objects, deparsed: column defaults and generated
/// columns, CHECK constraints of tables and domains, domain defaults, index expressions and
/// predicates, partition keys, the queries of views and materialized views.
fn stored_sql() -> String {
    [
        format!("SELECT 'the ' || CASE WHEN a.attgenerated = '' THEN 'default' ELSE 'generated column' END || ' of ' || n.nspname::pg_catalog.text || '.' || c.relname::pg_catalog.text || '.' || a.attname::pg_catalog.text, 'SELECT ' || pg_catalog.pg_get_expr(d.adbin, d.adrelid), (a.attgenerated = '')::pg_catalog.text FROM pg_catalog.pg_attrdef d JOIN pg_catalog.pg_attribute a ON a.attrelid = d.adrelid AND a.attnum = d.adnum JOIN pg_catalog.pg_class c ON c.oid = d.adrelid JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE {USER_SCHEMA}"),
        format!("SELECT 'constraint ' || n.nspname::pg_catalog.text || '.' || con.conname::pg_catalog.text, 'ALTER TABLE t ADD ' || pg_catalog.pg_get_constraintdef(con.oid), 'false' FROM pg_catalog.pg_constraint con JOIN pg_catalog.pg_namespace n ON n.oid = con.connamespace WHERE con.contype = 'c' AND {USER_SCHEMA}"),
        format!("SELECT 'the default of domain ' || n.nspname::pg_catalog.text || '.' || t.typname::pg_catalog.text, 'SELECT ' || pg_catalog.pg_get_expr(t.typdefaultbin, 0), 'false' FROM pg_catalog.pg_type t JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace WHERE t.typdefaultbin IS NOT NULL AND {USER_SCHEMA}"),
        format!("SELECT 'index ' || n.nspname::pg_catalog.text || '.' || c.relname::pg_catalog.text, pg_catalog.pg_get_indexdef(i.indexrelid), 'false' FROM pg_catalog.pg_index i JOIN pg_catalog.pg_class c ON c.oid = i.indexrelid JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE (i.indexprs IS NOT NULL OR i.indpred IS NOT NULL) AND {USER_SCHEMA}"),
        format!("SELECT 'the partition key of ' || n.nspname::pg_catalog.text || '.' || c.relname::pg_catalog.text, 'CREATE TABLE t () PARTITION BY ' || pg_catalog.pg_get_partkeydef(p.partrelid), 'false' FROM pg_catalog.pg_partitioned_table p JOIN pg_catalog.pg_class c ON c.oid = p.partrelid JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE p.partexprs IS NOT NULL AND {USER_SCHEMA}"),
        format!("SELECT 'the query of view ' || n.nspname::pg_catalog.text || '.' || c.relname::pg_catalog.text, pg_catalog.pg_get_viewdef(c.oid), 'false' FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind IN ('v', 'm') AND {USER_SCHEMA}"),
    ]
    .join(" UNION ALL ")
        + " ORDER BY 1, 2"
}

/// Why a stored expression of the target rules the run out, if one does.
pub async fn stored_expressions(client: &mut Client) -> Result<Option<String>, DbError> {
    let expressions: Vec<Stored> = client
        .query_text(&stored_sql())
        .await?
        .into_iter()
        .filter_map(|row| match &row[..] {
            [Some(what), Some(text), Some(default)] => Some(Stored {
                what: what.clone(),
                text: text.clone(),
                column_default: default == "true",
            }),
            _ => None,
        })
        .collect();
    Ok(expression_refusal(expressions)
        .map(|why| format!("the target has a stored expression the run could reach: {why}")))
}

/// A relation a write reaches, and how.
struct Reach {
    relation: Relation,
    /// Its column defaults may be evaluated.
    defaults: bool,
    /// Rows of it may be deleted or updated (its foreign keys' actions may fire).
    deletes: bool,
    updates: bool,
}

/// One catalog relation, as read for the checks.
struct Relation {
    oid: String,
    kind: String,
    name: String,
}

impl Relation {
    /// A system catalog (or any relation made by `initdb`).
    fn system(&self) -> bool {
        ["pg_catalog.", "information_schema.", "pg_toast."]
            .iter()
            .any(|p| self.name.starts_with(p))
            || self.oid.parse::<u64>().is_ok_and(|oid| oid < 16384)
    }
}

const RELATION_SQL: &str = "SELECT c.oid::pg_catalog.text, c.relkind::pg_catalog.text, n.nspname::pg_catalog.text || '.' || c.relname::pg_catalog.text FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = ";

async fn relation(
    client: &mut Client,
    condition: &str,
    param: &str,
) -> Result<Option<Relation>, DbError> {
    let rows = client
        .query_bound(&format!("{RELATION_SQL}{condition}"), &[param])
        .await?;
    Ok(rows.into_iter().next().and_then(|row| match &row[..] {
        [Some(oid), Some(kind), Some(name)] => Some(Relation {
            oid: oid.clone(),
            kind: kind.clone(),
            name: name.clone(),
        }),
        _ => None,
    }))
}

async fn by_name(client: &mut Client, name: &str) -> Result<Option<Relation>, DbError> {
    relation(client, "pg_catalog.to_regclass($1::pg_catalog.text)", name).await
}

/// The sequences of the target before the run: `nextval` on one of them is not undone by the
/// rollback (one the run creates disappears with it).
async fn sequences(client: &mut Client) -> Result<HashSet<String>, DbError> {
    Ok(client
        .query_text("SELECT oid::pg_catalog.text FROM pg_catalog.pg_class WHERE relkind = 'S'")
        .await?
        .into_iter()
        .filter_map(|r| r.into_iter().next().flatten())
        .collect())
}

/// Columns of the relation `oid` whose default draws from a sequence (`nextval` in the default,
/// or an identity column): `(column, the sequences it depends on as "oid name" pairs)`.
const SEQUENCE_COLUMNS_SQL: &str = "SELECT a.attname::pg_catalog.text, (SELECT pg_catalog.string_agg(s.oid::pg_catalog.text || ' ' || sn.nspname::pg_catalog.text || '.' || s.relname::pg_catalog.text, ' ') FROM pg_catalog.pg_depend dep JOIN pg_catalog.pg_class s ON s.oid = dep.refobjid JOIN pg_catalog.pg_namespace sn ON sn.oid = s.relnamespace WHERE dep.classid = 'pg_catalog.pg_attrdef'::pg_catalog.regclass AND dep.objid = d.oid AND dep.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass AND s.relkind = 'S') FROM pg_catalog.pg_attrdef d JOIN pg_catalog.pg_attribute a ON a.attrelid = d.adrelid AND a.attnum = d.adnum WHERE d.adrelid = $1::pg_catalog.text::pg_catalog.oid AND a.attgenerated = '' AND NOT a.attisdropped AND pg_catalog.strpos(pg_catalog.pg_get_expr(d.adbin, d.adrelid), 'nextval') > 0 UNION ALL SELECT a.attname::pg_catalog.text, (SELECT pg_catalog.string_agg(s.oid::pg_catalog.text || ' ' || sn.nspname::pg_catalog.text || '.' || s.relname::pg_catalog.text, ' ') FROM pg_catalog.pg_depend dep JOIN pg_catalog.pg_class s ON s.oid = dep.objid JOIN pg_catalog.pg_namespace sn ON sn.oid = s.relnamespace WHERE dep.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND dep.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass AND dep.refobjid = a.attrelid AND dep.refobjsubid = a.attnum AND dep.deptype = 'i' AND s.relkind = 'S') FROM pg_catalog.pg_attribute a WHERE a.attrelid = $1::pg_catalog.text::pg_catalog.oid AND a.attidentity <> '' AND NOT a.attisdropped ORDER BY 1";

/// Why evaluating the column defaults of `r` would change the target, if it would.
async fn default_refusal(
    client: &mut Client,
    r: &Relation,
    before: &HashSet<String>,
) -> Result<Option<String>, DbError> {
    for row in client.query_bound(SEQUENCE_COLUMNS_SQL, &[&r.oid]).await? {
        let [Some(column), sequences] = &row[..] else {
            continue;
        };
        let words: Vec<&str> = sequences.as_deref().unwrap_or("").split(' ').collect();
        let pairs: Vec<(&str, &str)> = words
            .chunks(2)
            .filter_map(|p| match p {
                [oid, name] => Some((*oid, *name)),
                _ => None,
            })
            .collect();
        if pairs.is_empty() {
            return Ok(Some(format!(
                "{}.{column} takes its default from nextval() on a sequence that could not be identified: nextval() advances a sequence even when the transaction is rolled back",
                r.name
            )));
        }
        if let Some((_, name)) = pairs.iter().find(|(oid, _)| before.contains(*oid)) {
            return Ok(Some(format!(
                "{}.{column} takes its default from sequence {name}, which nextval() would advance even though the transaction is rolled back",
                r.name
            )));
        }
    }
    Ok(None)
}

/// Reads the catalog (inside the transaction, so earlier statements' tables are seen) for what
/// the statement would change outside the transaction; `Some(reason)` refuses it.
pub async fn catalog_refusal(
    client: &mut Client,
    needs: &Needs,
    before: &HashSet<String>,
) -> Result<Option<String>, DbError> {
    let mut queue: Vec<(Relation, bool)> = Vec::new();
    if needs.row_locks {
        for name in &needs.relations {
            if let Some(r) = by_name(client, name).await? {
                if r.system() {
                    return Ok(Some(format!(
                        "it takes row locks (FOR UPDATE / SHARE) in a query that reads the system catalog {}",
                        r.name
                    )));
                }
            }
        }
    }
    for name in needs.written.union(&needs.locked) {
        let Some(r) = by_name(client, name).await? else {
            continue;
        };
        let written = needs.written.contains(name);
        if r.system() && (written || needs.locked.contains(name)) {
            return Ok(Some(format!(
                "it writes or locks the system catalog {}",
                r.name
            )));
        }
        if written && r.kind == "v" {
            return Ok(Some(format!(
                "{} is a view: writing through it is not checked",
                r.name
            )));
        }
        if written {
            queue.push((r, needs.defaults));
        }
    }
    // What a write reaches: partitions and inheritance children (as the write itself), and
    // tables whose foreign keys act on a delete or an update of it (CASCADE, SET NULL, SET
    // DEFAULT; SET DEFAULT evaluates defaults). Past the first foreign key, a reached table may
    // be deleted from or updated either way.
    let mut queue: Vec<Reach> = queue
        .into_iter()
        .map(|(relation, defaults)| Reach {
            relation,
            defaults,
            deletes: needs.deletes,
            updates: needs.updates,
        })
        .collect();
    let mut seen: HashSet<(String, bool, bool, bool)> = HashSet::new();
    let mut checked = 0usize;
    while let Some(reach) = queue.pop() {
        let Reach {
            relation: r,
            defaults,
            deletes,
            updates,
        } = reach;
        if !seen.insert((r.oid.clone(), defaults, deletes, updates)) {
            continue;
        }
        checked += 1;
        if checked > 2000 {
            return Ok(Some(
                "it reaches more than 2000 relations: too many to check".into(),
            ));
        }
        if r.system() {
            return Ok(Some(format!("it writes the system catalog {}", r.name)));
        }
        if defaults {
            if let Some(why) = default_refusal(client, &r, before).await? {
                return Ok(Some(why));
            }
        }
        let flag = |b: bool| if b { "true" } else { "false" };
        let reached = client
            .query_bound(
                "SELECT inhrelid::pg_catalog.text, 'inherit' FROM pg_catalog.pg_inherits WHERE inhparent = $1::pg_catalog.text::pg_catalog.oid UNION ALL SELECT conrelid::pg_catalog.text, (($2::pg_catalog.text = 'true' AND confdeltype = 'd') OR ($3::pg_catalog.text = 'true' AND confupdtype = 'd'))::pg_catalog.text FROM pg_catalog.pg_constraint WHERE contype = 'f' AND confrelid = $1::pg_catalog.text::pg_catalog.oid AND (($2::pg_catalog.text = 'true' AND confdeltype NOT IN ('a', 'r')) OR ($3::pg_catalog.text = 'true' AND confupdtype NOT IN ('a', 'r'))) ORDER BY 1, 2",
                &[&r.oid, flag(deletes), flag(updates)],
            )
            .await?;
        for row in reached {
            let [Some(oid), Some(how)] = &row[..] else {
                continue;
            };
            let Some(next) = relation(client, "$1::pg_catalog.text::pg_catalog.oid", oid).await?
            else {
                continue;
            };
            queue.push(match how.as_str() {
                "inherit" => Reach {
                    relation: next,
                    defaults,
                    deletes,
                    updates,
                },
                set_default => Reach {
                    relation: next,
                    defaults: set_default == "true",
                    deletes: true,
                    updates: true,
                },
            });
        }
    }
    // A built-in type renamed, moved or dropped.
    if !needs.ddl_types.is_empty() {
        let rows = client
            .query_bound(
                "SELECT 'pg_catalog.' || t.typname::pg_catalog.text FROM pg_catalog.pg_type t JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace WHERE (n.nspname = 'pg_catalog' OR t.oid < 16384) AND t.typname::pg_catalog.text = ANY (pg_catalog.string_to_array($1::pg_catalog.text, ' ')) ORDER BY 1 LIMIT 1",
                &[&name_list(&needs.ddl_types)],
            )
            .await?;
        if let Some(name) = rows
            .into_iter()
            .next()
            .and_then(|r| r.into_iter().next().flatten())
        {
            return Ok(Some(format!(
                "it renames, moves or drops a type named like the built-in {name}"
            )));
        }
    }
    Ok(None)
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
            // Always rolled back; a connection that is gone has ended it already. The rollback
            // is bounded too: past the bound the connection is closed, which ends the
            // transaction once the statement still running meets the tool's statement timeout.
            let bound = answer_bound(limits);
            let rolled_back = bounded(bound, client.execute("ROLLBACK")).await;
            match (result, rolled_back) {
                (Ok(_), Err(DbError::Busy(_))) => Err(DbError::connect(format!(
                    "the rollback did not finish within {} s; the connection was closed, which ends the transaction",
                    bound.as_secs()
                ))),
                (result, _) => result,
            }
        }
        Err(e) => Err(e),
    };
    client.close().await;
    let mut report = result?;
    report.target = Some(status.target.clone());
    report.on_target = true;
    report.how = format!(
        "on the target, PostgreSQL {} at {}, in one transaction that was rolled back, only if the target has no user code: every statement was checked before it ran, one at a time",
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
    // RESET are refused, and so is every function that could). `standard_conforming_strings`
    // on: the server reads the text as pg_query did (with it off, `'x\''` ends elsewhere and a
    // call hidden in what pg_query read as a string runs).
    let idle = (limits.lock_timeout + limits.statement_timeout).max(Duration::from_secs(60));
    let mut setup = format!(
        "SET LOCAL standard_conforming_strings = on; SET LOCAL lock_timeout = '{}ms'; SET LOCAL statement_timeout = '{}ms'; SET LOCAL idle_in_transaction_session_timeout = '{}ms'; SET LOCAL search_path TO {}",
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
    let bound = answer_bound(limits);
    // The premise: no user code on the target. Read before any migration statement runs.
    let gate = match bounded(bound, user_code(client)).await? {
        Some(found) => Some(found),
        None => bounded(bound, stored_expressions(client)).await?,
    };
    if let Some(found) = gate {
        notes.push(format!("{found}: {USER_CODE}"));
        for item in &prepared {
            migrations.push(dryrun::migration_header(set, status, item.file));
        }
        return Ok(report(migrations, notes));
    }
    let before = bounded(bound, sequences(client)).await?;
    client
        .execute(&format!(
            "CREATE SCHEMA IF NOT EXISTS {}",
            quote_ident(Flavor::Postgres, &status.schema)
        ))
        .await?;
    let existing = dryrun::existing_relations(client).await?;
    let mut held = HashSet::new();
    let mut stopped = false;
    for item in &prepared {
        let mut run = dryrun::migration_header(set, status, item.file);
        if stopped {
            migrations.push(run);
            continue;
        }
        progress(&format!("dry-run {} on the target", run.script));
        let original = set.files[item.file].text().unwrap_or_default();
        let exact = original == item.text;
        let started = Instant::now();
        run.outcome = MigrationOutcome::Ok;
        for range in statements(&item.text) {
            let sql = &item.text[range.start..range.end];
            let verdict = match classify(sql) {
                Ok(needs) => bounded(bound, catalog_refusal(client, &needs, &before)).await?,
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
/// How long the tool waits for the target to answer one of its own statements (a catalog read,
/// the rollback): the migration's limits plus a margin.
fn answer_bound(limits: Limits) -> Duration {
    limits.lock_timeout + limits.statement_timeout + Duration::from_secs(10)
}

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
            ("SELECT ('s'::regclass).nextval", "selects .nextval from an expression"),
            ("SELECT (pid).pg_terminate_backend FROM pg_stat_activity", "selects .pg_terminate_backend"),
            ("CREATE TABLE t (id bigint DEFAULT nextval(lower('S')))", "named at run time"),
            ("CREATE TABLE t (id bigint DEFAULT nextval('a') + nextval('b' || 'c'))", "named at run time"),
            ("SELECT dblink_exec('dbname=x', 'DROP TABLE t')", "another database"),
            ("SELECT \"dblink_exec\"('x', 'y')", "another database"),
            ("SELECT public.dblink('x', 'y')", "public.dblink()"),
            ("SELECT public.lower('x')", "not a built-in function"),
            ("COPY (SELECT 1) TO PROGRAM 'touch /tmp/x'", "COPY"),
            ("SELECT pg_terminate_backend(pid) FROM pg_stat_activity", "other sessions"),
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
            ("ANALYZE t", "VACUUM"),
            ("CLUSTER t USING i", "ClusterStmt"),
            ("REINDEX TABLE t", "ReindexStmt"),
            ("CREATE DATABASE x", "databases"),
            ("DROP DATABASE x", "databases"),
            ("CREATE ROLE x SUPERUSER", "roles"),
            ("DROP ROLE x", "roles"),
            ("GRANT admin TO bob", "roles"),
            ("GRANT ALL ON DATABASE postgres TO bob", "DATABASE"),
            ("CREATE TABLESPACE x LOCATION '/tmp'", "tablespaces"),
            ("CREATE EXTENSION dblink", "EXTENSION"),
            ("DROP EXTENSION dblink", "creates or changes code"),
            ("CREATE SUBSCRIPTION s CONNECTION 'x' PUBLICATION p", "other servers"),
            ("CREATE PUBLICATION p FOR ALL TABLES", "other servers"),
            ("CREATE SERVER s FOREIGN DATA WRAPPER postgres_fdw", "other servers"),
            ("CREATE FOREIGN TABLE f (a int) SERVER s", "other servers"),
            ("ALTER SYSTEM SET work_mem = '1MB'", "configuration file"),
            ("CREATE INDEX CONCURRENTLY i ON t (a)", "CONCURRENTLY"),
            ("CREATE INDEX CONCURRENTLY IF NOT EXISTS i ON t (a)", "INVALID index"),
            ("DROP INDEX CONCURRENTLY i", "CONCURRENTLY"),
            ("CREATE EVENT TRIGGER e ON ddl_command_start EXECUTE FUNCTION f()", "event triggers"),
            ("LOAD 'evil'", "shared library"),
            ("COMMENT ON DATABASE postgres IS 'x'", "DATABASE"),
            ("PREPARE p AS SELECT 1", "PrepareStmt"),
            ("EXPLAIN ANALYZE DELETE FROM t", "ExplainStmt"),
            ("SELECT * FROM other_db.public.t", "database `other_db`"),
            ("INSERT INTO t SELECT evil()", "evil()"),
            ("UPDATE t SET a = lower(b) WHERE c = pg_sleep(1)::text", "pg_sleep()"),
            ("SELECT 1; DROP TABLE t", "2 statements"),
            ("WITH x AS (SELECT setval('s', 1)) SELECT * FROM x", "setval()"),
            ("CREATE TABLE t2 AS SELECT f(x) FROM t", "f()"),
            ("SELEC 1", "parser"),
            // Code, or what chooses code: nothing may add it.
            ("CREATE FUNCTION f() RETURNS int LANGUAGE sql AS 'SELECT 1'", "nothing may add code"),
            ("CREATE OR REPLACE PROCEDURE p() LANGUAGE sql AS 'SELECT 1'", "nothing may add code"),
            ("ALTER FUNCTION pg_catalog.now() SET lock_timeout = 0", "nothing may add code"),
            ("ALTER FUNCTION pg_terminate_backend(int, bigint) RENAME TO lower", "creates or changes code"),
            ("ALTER FUNCTION f() SET SCHEMA pg_catalog", "creates or changes code"),
            ("DROP FUNCTION f()", "creates or changes code"),
            ("CREATE TRIGGER tr AFTER INSERT ON t FOR EACH ROW EXECUTE FUNCTION g()", "CREATE TRIGGER"),
            ("DROP TRIGGER tr ON t", "creates or changes code"),
            ("CREATE RULE r AS ON INSERT TO t DO INSTEAD NOTHING", "CREATE RULE"),
            ("CREATE POLICY p ON t USING (true)", "policy"),
            ("CREATE CAST (int AS mood) WITH FUNCTION f(int) AS IMPLICIT", "CREATE CAST"),
            // A built-in function behind an operator: SELECT 's'::regclass ### 1 would run setval.
            ("CREATE OPERATOR ### (FUNCTION = setval, LEFTARG = regclass, RIGHTARG = bigint)", "defines code"),
            ("CREATE AGGREGATE a (int) (SFUNC = int4pl, STYPE = int)", "defines code"),
            ("CREATE TYPE box2 (INPUT = box_in, OUTPUT = box_out)", "defines code"),
            ("CREATE TYPE r AS RANGE (SUBTYPE = int4)", "range types"),
            ("CREATE OPERATOR CLASS c FOR TYPE int USING btree AS FUNCTION 1 f(int, int)", "operator classes"),
            ("CREATE ACCESS METHOD a TYPE TABLE HANDLER heap_tableam_handler", "adds or changes code"),
            ("CREATE TEXT SEARCH PARSER p (START = prsd_start, GETTOKEN = prsd_nexttoken, END = prsd_end, LEXTYPES = prsd_lextype)", "defines code"),
            // The parser reads CREATE LANGUAGE as CREATE EXTENSION.
            ("CREATE LANGUAGE plperl", "EXTENSION"),
            ("ALTER TYPE t SET (RECEIVE = f)", "range types and ALTER TYPE"),
            ("ALTER TABLE f OWNER TO x", "ok"),
            ("ALTER FOREIGN TABLE f ADD COLUMN b int", "FOREIGN TABLE"),
            // The first version's escape 1: a partition bound evaluated when the partition is made.
            ("CREATE TABLE pb1 PARTITION OF pb FOR VALUES IN (setval('public.users_id_seq', 6666))", "setval()"),
            ("CREATE TABLE pr1 PARTITION OF pr FOR VALUES FROM (setval('s', 1)) TO (MAXVALUE)", "setval()"),
            // Escapes 3 and 4 with built-ins: a domain's CHECK, a partition key.
            ("CREATE DOMAIN d AS int CHECK (setval('s', VALUE) > 0)", "setval()"),
            ("CREATE TABLE p (a int) PARTITION BY LIST (setval('s', a))", "setval()"),
            ("ALTER TABLE t ADD COLUMN c int CHECK (setval('s', 1) > 0)", "setval()"),
            ("ALTER TABLE t ADD COLUMN c int GENERATED ALWAYS AS (setval('s', 1)) STORED", "setval()"),
            ("CREATE INDEX i ON t ((setval('s', a)))", "setval()"),
            ("CREATE VIEW v AS SELECT nextval('s')", "nextval()"),
            // nextval in a default that is evaluated for every existing row.
            ("ALTER TABLE t ADD COLUMN x int DEFAULT nextval('s')", "nextval()"),
            ("CREATE DOMAIN d AS int DEFAULT nextval('s')", "nextval()"),
            ("CREATE TABLE t (id int DEFAULT nextval(setval('s', 5)::text::regclass))", "nextval() on a sequence named at run time"),
            ("CREATE SCHEMA s CREATE TABLE t (a int) CREATE TRIGGER tr AFTER INSERT ON t FOR EACH ROW EXECUTE FUNCTION f()", "CREATE TRIGGER"),
            ("CREATE SCHEMA s CREATE TABLE t (a int) CREATE VIEW v AS SELECT setval('x', 1)", "setval()"),
            ("CREATE SCHEMA s CREATE TABLE t (a int) CREATE VIEW v AS SELECT 1", "ok"),
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
        assert!(!n.writes && !n.defaults);
        // A stored nextval on a constant sequence name. (A composite column's field,
        // `(u.address).street`, is refused with every field selection: it may be a call.)
        allowed("CREATE TABLE t (id bigint DEFAULT nextval('s'::regclass), b bigint DEFAULT nextval('s'))");
        assert!(refused("SELECT (u.address).street FROM users u").contains("selects .street"));
        let n = allowed("SELECT id FROM users FOR UPDATE");
        assert!(n.row_locks);
        assert!(n.relations.contains("\"users\""));
        let n = allowed("INSERT INTO app.orders (id, at) SELECT id, now() FROM users WHERE id > 1");
        assert!(n.writes && n.defaults && !n.deletes && !n.updates);
        assert!(n.relations.contains("\"app\".\"orders\"") && n.relations.contains("\"users\""));
        // Only the INSERT's target is written; `users` is read.
        assert_eq!(
            n.written.iter().collect::<Vec<_>>(),
            vec!["\"app\".\"orders\""]
        );
        let n = allowed("TRUNCATE a, s.b CASCADE");
        assert!(n.written.contains("\"a\"") && n.written.contains("\"s\".\"b\""));
        assert!(!n.defaults && !n.deletes && !n.updates);
        let n = allowed("UPDATE users SET name = DEFAULT");
        assert!(n.writes && n.defaults && n.updates && !n.deletes);
        let n = allowed("DELETE FROM users WHERE id = 1");
        assert!(n.writes && !n.defaults && n.deletes && !n.updates);
        let n = allowed("WITH gone AS (DELETE FROM users RETURNING id) SELECT count(*) FROM gone");
        assert!(n.written.contains("\"users\"") && n.deletes);
        let n = allowed("LOCK TABLE users IN ACCESS EXCLUSIVE MODE");
        assert!(n.locked.contains("\"users\"") && n.written.is_empty());
        // Column defaults of a new table are stored, not evaluated: nextval may be named there
        // (a write that would evaluate it is checked in the catalog), and in SET DEFAULT.
        for sql in [
            "CREATE TABLE t (id bigint PRIMARY KEY DEFAULT nextval('s'), c int CHECK (c > 0), at timestamptz DEFAULT now())",
            "CREATE TABLE t (id serial, code text DEFAULT 'X' || nextval('s')::text)",
            "ALTER TABLE t ALTER COLUMN id SET DEFAULT nextval('s')",
            "CREATE TABLE pr1 PARTITION OF pr FOR VALUES FROM ('2026-01-01') TO ('2027-01-01')",
            "CREATE TABLE p (a text) PARTITION BY LIST (lower(a))",
            "CREATE DOMAIN pos AS int CHECK (VALUE > 0) DEFAULT 1",
            "CREATE VIEW v AS SELECT upper(name) FROM users",
            "CREATE MATERIALIZED VIEW m AS SELECT count(*) FROM users",
            "REFRESH MATERIALIZED VIEW m",
            "CREATE SEQUENCE s",
            "ALTER SEQUENCE s RESTART 100",
            "DROP TABLE t CASCADE",
            "GRANT SELECT ON t TO reader",
            "GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA public TO reader",
            "COMMENT ON TABLE t IS 'x'",
            "ALTER TABLE t RENAME TO u",
            "CREATE UNIQUE INDEX i ON t (lower(name)) WHERE deleted_at IS NULL",
            "SET search_path TO app, public",
            "SET LOCAL search_path = app",
            "CREATE TYPE mood AS ENUM ('a', 'b')",
            "CREATE TYPE pair AS (a int, b text)",
            "ALTER TYPE mood ADD VALUE 'c'",
            "CREATE COLLATION german (provider = icu, locale = 'de')",
            "ALTER TABLE t ENABLE ROW LEVEL SECURITY",
            "ALTER TABLE t ADD CONSTRAINT fk FOREIGN KEY (u) REFERENCES users (id) ON DELETE SET DEFAULT",
            "SHOW search_path",
            // SQL syntax that the parser turns into calls of built-ins.
            "SELECT 'a' SIMILAR TO 'b', trim(both 'x' from 'xax'), extract(year from now()), position('a' in 'b'), now() at time zone 'UTC', (now(), now()) OVERLAPS (now(), now()), substring('abc' from 2 for 1), COLLATION FOR ('a')",
        ] {
            allowed(sql);
        }
        // DDL on types: their names are checked against the built-ins.
        let n = allowed("DROP TYPE app.mood, other");
        assert!(
            n.ddl_types.contains("mood") && n.ddl_types.contains("other"),
            "{n:?}"
        );
        let n = allowed("ALTER TYPE mood RENAME TO feeling");
        assert!(n.ddl_types.contains("mood"), "{n:?}");
        assert!(refused("DROP TYPE pg_catalog.int4").contains("a built-in"));
        // Tables are not types: `DROP TABLE version` checks no type name.
        assert!(allowed("DROP TABLE version").ddl_types.is_empty());
    }

    #[test]
    fn deep_or_long_statements_are_judged_without_crashing() {
        let deep = format!("SELECT {}1{}", "(".repeat(20_000), ")".repeat(20_000));
        // PostgreSQL's parser gives up on deep nesting: refused, not a crash.
        assert!(classify(&deep).is_err());
        for depth in [100, 500, 5_000, 200_000] {
            let nested = format!("SELECT {}1", "1 + ".repeat(depth));
            let why = refused(&nested);
            assert!(why.contains("nested too deeply"), "{depth}: {why}");
        }
        allowed(&format!("SELECT {}1", "1 + ".repeat(20)));
        let long = format!(
            "INSERT INTO t VALUES {}",
            vec!["(1, lower('a'))"; 20_000].join(", ")
        );
        assert!(allowed(&long).defaults);
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
        let broken = "SELECT 1;\nSELEC 2;\n";
        assert_eq!(statements(broken).len(), 2);
    }

    #[test]
    fn stored_expressions_are_judged_like_statements() {
        let stored = |what: &str, text: &str, column_default: bool| Stored {
            what: what.into(),
            text: text.into(),
            column_default,
        };
        // A serial column's default: let through (its writes are refused per statement).
        assert_eq!(
            expression_refusal(vec![stored(
                "the default of public.users.id",
                "SELECT nextval('users_id_seq'::regclass)",
                true
            )]),
            None
        );
        // Everywhere else nextval, and anything off the list, rules the run out.
        let why = expression_refusal(vec![
            stored("the default of public.t.at", "SELECT now()", true),
            stored(
                "the generated column of public.t.g",
                "SELECT nextval('s'::regclass)",
                false,
            ),
        ])
        .unwrap();
        assert!(
            why.starts_with("the generated column of public.t.g calls nextval()"),
            "{why}"
        );
        let why = expression_refusal(vec![stored(
            "the query of view public.v",
            " SELECT pg_sleep(1) AS x;",
            false,
        )])
        .unwrap();
        assert!(why.contains("pg_sleep()"), "{why}");
        assert!(expression_refusal(vec![
            stored(
                "constraint public.c",
                "ALTER TABLE t ADD CHECK ((price > (0)::numeric))",
                false
            ),
            stored(
                "index public.i",
                "CREATE INDEX i ON public.t USING btree (lower(name)) WHERE (deleted_at IS NULL)",
                false
            ),
            stored(
                "the partition key of public.p",
                "CREATE TABLE t () PARTITION BY RANGE (date_trunc('month'::text, at))",
                false
            ),
        ])
        .is_none());
        let why =
            expression_refusal(vec![stored("index public.j", "CREATE INDEX j ON", false)]).unwrap();
        assert!(
            why.starts_with("index public.j PostgreSQL's parser cannot read it"),
            "{why}"
        );
    }
}
