//! PostgreSQL's own grammar (libpg_query, through the `pg_query` crate) as the judge of the
//! statements sqlparser rejects: what PostgreSQL accepts is never a syntax error, and the facts of
//! such a statement are read from PostgreSQL's syntax tree. A rejection carries PostgreSQL's own
//! message, placed at the token it names.

use pg_query::protobuf::{self, node::Node as N, AlterTableType, ConstrType, ObjectType};

use super::facts::*;

/// PostgreSQL's verdict on one statement.
#[derive(Debug)]
pub enum Verdict {
    /// Accepted; the facts when the statement is one whose effect the engine tracks.
    Accepted(Option<Op>),
    /// Rejected: PostgreSQL's message and the byte offset (in the text given) of the token it
    /// names, or of the text's end for "at end of input".
    Rejected { offset: usize, message: String },
}

/// Parses `text` (one statement) with PostgreSQL's parser.
///
/// The verdict comes from the raw parser alone (`split_with_parser`: no syntax tree crosses into
/// Rust), so any statement can be judged. The facts need the tree, whose protobuf decoding
/// recurses once per level of nesting with large frames: it runs on a thread of its own with a
/// large stack, for statements of at most [`MAX_TREE_TOKENS`] tokens (deeper than that, the
/// facts come from key words).
pub fn judge(text: &str) -> Verdict {
    match pg_query::split_with_parser(text) {
        Ok(_) => Verdict::Accepted(tree_facts(text)),
        Err(pg_query::Error::Split(message)) => Verdict::Rejected {
            offset: error_offset(text, &message),
            message,
        },
        // A NUL byte, which no PostgreSQL statement may hold.
        Err(other) => Verdict::Rejected {
            offset: text.find('\0').unwrap_or(0),
            message: other.to_string(),
        },
    }
}

/// Statements longer than this (in PostgreSQL tokens) are not decoded into a tree: a tree is
/// never deeper than the statement has tokens, and this bound keeps the decoding well inside
/// [`TREE_STACK`] even in a debug build.
const MAX_TREE_TOKENS: usize = 2_000;
/// The stack of the thread that decodes a tree (virtual memory, touched only as deep as used).
const TREE_STACK: usize = 256 << 20;

/// The facts of an accepted statement from PostgreSQL's tree, when it can be decoded safely.
fn tree_facts(text: &str) -> Option<Op> {
    let count = pg_query::scan(text).ok()?.tokens.len();
    if count > MAX_TREE_TOKENS {
        return None;
    }
    let owned = text.to_string();
    std::thread::Builder::new()
        .name("pg-tree".into())
        .stack_size(TREE_STACK)
        .spawn(move || {
            let result = pg_query::parse(&owned, 0).ok()?;
            let node = result
                .protobuf
                .stmts
                .first()?
                .stmt
                .as_ref()?
                .node
                .as_ref()?;
            facts(node, &Src::new(&owned))
        })
        .ok()?
        .join()
        .ok()
        .flatten()
}

/// Where PostgreSQL's error points. Its message names the token ("at or near \"X\"") but not
/// its position. A bison parser fails at the first token that cannot continue a valid prefix, so
/// the text cut after the failing X fails with the same message, and cut after an earlier X it
/// parses or fails "at end of input": a binary search over the tokens spelled X finds it in a
/// few parses, even in a huge statement.
fn error_offset(text: &str, message: &str) -> usize {
    if message.ends_with("at end of input") {
        return text.trim_end().len();
    }
    let Some(near) = message
        .rsplit_once(" at or near \"")
        .and_then(|(_, rest)| rest.strip_suffix('"'))
    else {
        return 0;
    };
    let candidates: Vec<(usize, usize)> = match pg_query::scan(text) {
        Ok(scan) => scan
            .tokens
            .iter()
            .filter_map(|t| {
                let (start, end) = (usize::try_from(t.start).ok()?, usize::try_from(t.end).ok()?);
                (text.get(start..end) == Some(near)).then_some((start, end))
            })
            .collect(),
        Err(_) => Vec::new(),
    };
    let same = |end: usize| matches!(pg_query::split_with_parser(&text[..end]), Err(pg_query::Error::Split(m)) if m == message);
    let (mut low, mut high) = (0, candidates.len());
    while low < high {
        let mid = (low + high) / 2;
        if same(candidates[mid].1) {
            high = mid;
        } else {
            low = mid + 1;
        }
    }
    if let Some(&(start, _)) = candidates.get(low) {
        return start;
    }
    // The scanner stops at a lexical error (an unterminated literal): the text there.
    candidates
        .first()
        .map(|&(start, _)| start)
        .or_else(|| text.find(near))
        .or_else(|| {
            let head: String = near.chars().take(16).collect();
            text.find(head.as_str())
        })
        .unwrap_or(0)
}

/// A statement's text with its tokens (byte ranges, from PostgreSQL's scanner), scanned once.
struct Src<'a> {
    text: &'a str,
    tokens: Vec<(usize, usize)>,
}

impl<'a> Src<'a> {
    fn new(text: &'a str) -> Src<'a> {
        let tokens = pg_query::scan(text)
            .map(|scan| {
                scan.tokens
                    .iter()
                    .filter_map(|t| {
                        Some((usize::try_from(t.start).ok()?, usize::try_from(t.end).ok()?))
                    })
                    .collect()
            })
            .unwrap_or_default();
        Src { text, tokens }
    }
}

fn range_name(r: &protobuf::RangeVar) -> Name {
    Name::new(
        (!r.schemaname.is_empty()).then(|| r.schemaname.clone()),
        r.relname.clone(),
    )
}

fn string_of(node: &protobuf::Node) -> Option<&str> {
    match node.node.as_ref()? {
        N::String(s) => Some(&s.sval),
        _ => None,
    }
}

/// A dotted name (`[schema.]name`) from a list of String nodes.
fn list_name(nodes: &[protobuf::Node]) -> Option<Name> {
    let parts: Vec<&str> = nodes.iter().filter_map(string_of).collect();
    match parts.as_slice() {
        [] => None,
        [name] => Some(Name::new(None, *name)),
        [.., schema, name] => Some(Name::new(Some(schema.to_string()), *name)),
    }
}

/// The source text from byte `start` up to (not including) the first token at nesting depth 0
/// that is a `,` or `)` closing an outer level, or one of the `stop` key words; words joined by
/// one space. `None` when `start` is not a token start.
fn clause_text(src: &Src, start: usize, stop: &[&str]) -> Option<String> {
    let text = src.text;
    let mut out = String::new();
    let mut depth = 0i32;
    let mut started = false;
    let mut prev_open = false;
    let first = src.tokens.partition_point(|&(s, _)| s < start);
    for &(s, e) in &src.tokens[first..] {
        let word = text.get(s..e)?;
        if started && depth == 0 {
            if word == "," || word == ")" || word == ";" {
                break;
            }
            if stop.iter().any(|k| word.eq_ignore_ascii_case(k)) {
                break;
            }
        }
        match word {
            "(" | "[" => {
                depth += 1;
            }
            ")" | "]" => {
                depth -= 1;
                if depth < 0 {
                    break;
                }
            }
            _ => {}
        }
        let tight = matches!(word, "(" | ")" | "[" | "]" | "," | "::" | ".") || prev_open;
        if started && !tight {
            out.push(' ');
        }
        out.push_str(word);
        prev_open = matches!(word, "(" | "[" | "::" | ".");
        started = true;
    }
    started.then_some(out)
}

const COLUMN_OPTIONS: &[&str] = &[
    "NOT",
    "NULL",
    "DEFAULT",
    "PRIMARY",
    "UNIQUE",
    "REFERENCES",
    "CHECK",
    "CONSTRAINT",
    "GENERATED",
    "COLLATE",
    "COMPRESSION",
    "STORAGE",
    "USING",
    "DEFERRABLE",
    "INITIALLY",
];

/// A data type as written (upper-cased, as sqlparser prints it: `VARCHAR(255)`).
fn type_text(src: &Src, type_name: Option<&protobuf::TypeName>) -> String {
    let Some(t) = type_name else {
        return String::new();
    };
    let written = usize::try_from(t.location)
        .ok()
        .and_then(|at| clause_text(src, at, COLUMN_OPTIONS));
    match written {
        Some(w) => crate::sql::facts::type_text(&w),
        None => t
            .names
            .iter()
            .filter_map(string_of)
            .filter(|n| *n != "pg_catalog")
            .collect::<Vec<_>>()
            .join(".")
            .to_uppercase(),
    }
}

fn constraint_node(node: &protobuf::Node) -> Option<&protobuf::Constraint> {
    match node.node.as_ref()? {
        N::Constraint(c) => Some(c),
        _ => None,
    }
}

fn contype(c: &protobuf::Constraint) -> ConstrType {
    ConstrType::try_from(c.contype).unwrap_or(ConstrType::Undefined)
}

fn column(src: &Src, def: &protobuf::ColumnDef) -> ColumnSpec {
    let data_type = type_text(src, def.type_name.as_ref());
    let serial = matches!(
        data_type.as_str(),
        "SERIAL" | "BIGSERIAL" | "SMALLSERIAL" | "SERIAL4" | "SERIAL8" | "SERIAL2"
    );
    let mut spec = ColumnSpec {
        name: def.colname.clone(),
        data_type,
        not_null: def.is_not_null || serial,
        generated: serial || !def.identity.is_empty() || !def.generated.is_empty(),
        // A collation: a column rebuilt from these facts would lose it.
        unmodelled_options: def.coll_clause.is_some(),
        ..ColumnSpec::default()
    };
    for c in def.constraints.iter().filter_map(constraint_node) {
        match contype(c) {
            ConstrType::ConstrNotnull => spec.not_null = true,
            ConstrType::ConstrNull => spec.not_null = false,
            ConstrType::ConstrDefault => {
                spec.default = usize::try_from(c.location)
                    .ok()
                    .and_then(|at| default_text(src, at))
                    .or(Some(String::new()));
            }
            ConstrType::ConstrPrimary => {
                spec.primary_key = true;
                spec.not_null = true;
            }
            ConstrType::ConstrUnique => spec.unique = true,
            ConstrType::ConstrForeign => {
                spec.references = c.pktable.as_ref().map(|t| Box::new(range_name(t)))
            }
            ConstrType::ConstrIdentity | ConstrType::ConstrGenerated => spec.generated = true,
            _ => {}
        }
    }
    spec
}

/// The expression after `DEFAULT` at byte `at` (the key word), as written.
fn default_text(src: &Src, at: usize) -> Option<String> {
    let text = src.text;
    let after = at
        + text
            .get(at..)?
            .find(|c: char| c.is_whitespace() || c == '(')?;
    let start = after + (text.get(after..)?.len() - text.get(after..)?.trim_start().len());
    clause_text(
        src,
        start,
        &[
            "NOT",
            "PRIMARY",
            "UNIQUE",
            "REFERENCES",
            "CHECK",
            "CONSTRAINT",
            "GENERATED",
            "COLLATE",
        ],
    )
}

fn key_names(keys: &[protobuf::Node]) -> Vec<String> {
    keys.iter()
        .filter_map(string_of)
        .map(str::to_string)
        .collect()
}

fn table_constraint(c: &protobuf::Constraint) -> Option<ConstraintSpec> {
    let (kind, columns, references) = match contype(c) {
        ConstrType::ConstrPrimary => (ConstraintKind::PrimaryKey, key_names(&c.keys), None),
        ConstrType::ConstrUnique => (ConstraintKind::Unique, key_names(&c.keys), None),
        ConstrType::ConstrForeign => (
            ConstraintKind::ForeignKey,
            key_names(&c.fk_attrs),
            c.pktable.as_ref().map(range_name),
        ),
        ConstrType::ConstrCheck => (ConstraintKind::Check, Vec::new(), None),
        ConstrType::ConstrExclusion => (ConstraintKind::Exclude, Vec::new(), None),
        _ => return None,
    };
    Some(ConstraintSpec {
        kind,
        name: (!c.conname.is_empty()).then(|| c.conname.clone()),
        columns,
        references,
        using_index: !c.indexname.is_empty(),
    })
}

fn names_of(objects: &[protobuf::Node]) -> Vec<Name> {
    objects
        .iter()
        .filter_map(|o| match o.node.as_ref()? {
            N::List(list) => list_name(&list.items),
            N::String(s) => Some(Name::new(None, s.sval.clone())),
            N::TypeName(t) => list_name(&t.names),
            _ => None,
        })
        .collect()
}

/// One command of ALTER TABLE; `nth_default` counts the `SET DEFAULT` commands before it.
fn alter_action(src: &Src, cmd: &protobuf::AlterTableCmd, nth_default: &mut usize) -> AlterAction {
    let subtype = AlterTableType::try_from(cmd.subtype).unwrap_or(AlterTableType::Undefined);
    let def = cmd.def.as_deref().and_then(|d| d.node.as_ref());
    let column_name = cmd.name.clone();
    match (subtype, def) {
        (AlterTableType::AtAddColumn, Some(N::ColumnDef(def))) => AlterAction::AddColumn {
            column: std::sync::Arc::new(column(src, def)),
            if_not_exists: cmd.missing_ok,
        },
        (AlterTableType::AtDropColumn, _) => AlterAction::DropColumn {
            names: vec![column_name],
            if_exists: cmd.missing_ok,
        },
        (AlterTableType::AtSetNotNull, _) => AlterAction::SetNotNull {
            column: column_name,
        },
        (AlterTableType::AtDropNotNull, _) => AlterAction::DropNotNull {
            column: column_name,
        },
        (AlterTableType::AtColumnDefault, None) => AlterAction::DropDefault {
            column: column_name,
        },
        (AlterTableType::AtColumnDefault, Some(_)) => {
            let default = statement_default(src, *nth_default).unwrap_or_default();
            *nth_default += 1;
            AlterAction::SetDefault {
                column: column_name,
                default,
            }
        }
        (AlterTableType::AtAlterColumnType, Some(N::ColumnDef(def))) => AlterAction::SetType {
            column: column_name,
            data_type: type_text(src, def.type_name.as_ref()),
        },
        (AlterTableType::AtAddConstraint, Some(N::Constraint(c))) => match table_constraint(c) {
            Some(constraint) => AlterAction::AddConstraint {
                constraint,
                not_valid: c.skip_validation,
            },
            None => AlterAction::Other(format!("{subtype:?}")),
        },
        (AlterTableType::AtDropConstraint, _) => AlterAction::DropConstraint {
            name: column_name,
            if_exists: cmd.missing_ok,
        },
        (AlterTableType::AtValidateConstraint, _) => {
            AlterAction::ValidateConstraint { name: column_name }
        }
        (other, _) => AlterAction::Other(format!("{other:?}")),
    }
}

/// The expression of the `nth` `SET DEFAULT expr` of the statement, as written.
fn statement_default(src: &Src, nth: usize) -> Option<String> {
    let words: Vec<(usize, &str)> = src
        .tokens
        .iter()
        .filter_map(|&(s, e)| Some((s, src.text.get(s..e)?)))
        .collect();
    let at = words
        .windows(2)
        .filter(|w| w[0].1.eq_ignore_ascii_case("SET") && w[1].1.eq_ignore_ascii_case("DEFAULT"))
        .nth(nth)?[1]
        .0;
    default_text(src, at)
}

/// The facts of a statement PostgreSQL accepted, for the kinds the engine tracks.
fn facts(node: &N, src: &Src) -> Option<Op> {
    Some(match node {
        N::CreateStmt(ct) => {
            let table = range_name(ct.relation.as_ref()?);
            let mut columns = Vec::new();
            let mut constraints = Vec::new();
            // Columns copied from another table (LIKE) or inherited: not all known.
            let mut copied = !ct.inh_relations.is_empty() || ct.of_typename.is_some();
            for element in &ct.table_elts {
                match element.node.as_ref() {
                    Some(N::ColumnDef(def)) => columns.push(column(src, def)),
                    Some(N::Constraint(c)) => constraints.extend(table_constraint(c)),
                    Some(N::TableLikeClause(_)) => copied = true,
                    _ => {}
                }
            }
            Op::CreateTable {
                table: Box::new(table),
                if_not_exists: ct.if_not_exists,
                or_replace: false,
                temporary: ct
                    .relation
                    .as_ref()
                    .is_some_and(|r| r.relpersistence == "t"),
                columns: columns.into_iter().map(std::sync::Arc::new).collect(),
                constraints: Box::new(constraints),
                as_query: copied,
            }
        }
        N::CreateTableAsStmt(ct) => {
            let into = ct.into.as_ref()?;
            let rel = into.rel.as_ref()?;
            if ObjectType::try_from(ct.objtype) != Ok(ObjectType::ObjectTable) {
                return None;
            }
            Op::CreateTable {
                table: Box::new(range_name(rel)),
                if_not_exists: ct.if_not_exists,
                or_replace: false,
                temporary: rel.relpersistence == "t",
                columns: Vec::new(),
                constraints: Box::new(Vec::new()),
                as_query: true,
            }
        }
        N::IndexStmt(ix) => Op::CreateIndex {
            name: (!ix.idxname.is_empty()).then(|| Box::new(Name::new(None, ix.idxname.clone()))),
            table: std::sync::Arc::new(range_name(ix.relation.as_ref()?)),
            unique: ix.unique,
            concurrently: ix.concurrent,
            if_not_exists: ix.if_not_exists,
            columns: ix
                .index_params
                .iter()
                .filter_map(|p| match p.node.as_ref()? {
                    N::IndexElem(e) if !e.name.is_empty() => Some(e.name.clone()),
                    N::IndexElem(_) => Some(String::from("(expression)")),
                    _ => None,
                })
                .collect(),
            options: None,
        },
        N::AlterTableStmt(at) => {
            let mut nth_default = 0;
            if ObjectType::try_from(at.objtype) != Ok(ObjectType::ObjectTable) {
                return None;
            }
            Op::AlterTable {
                table: Box::new(range_name(at.relation.as_ref()?)),
                if_exists: at.missing_ok,
                actions: at
                    .cmds
                    .iter()
                    .filter_map(|c| match c.node.as_ref()? {
                        N::AlterTableCmd(cmd) => Some(alter_action(src, cmd, &mut nth_default)),
                        _ => None,
                    })
                    .collect(),
            }
        }
        N::RenameStmt(rn) => {
            let table = range_name(rn.relation.as_ref()?);
            match ObjectType::try_from(rn.rename_type).ok()? {
                ObjectType::ObjectTable => Op::AlterTable {
                    table: Box::new(table.clone()),
                    if_exists: rn.missing_ok,
                    actions: [AlterAction::RenameTo {
                        to: Name {
                            schema: table.schema,
                            name: rn.newname.as_str().into(),
                        },
                    }]
                    .into(),
                },
                ObjectType::ObjectColumn => Op::AlterTable {
                    table: Box::new(table),
                    if_exists: rn.missing_ok,
                    actions: [AlterAction::RenameColumn {
                        from: rn.subname.clone(),
                        to: rn.newname.clone(),
                    }]
                    .into(),
                },
                _ => return None,
            }
        }
        N::DropStmt(drop) => {
            let names = names_of(&drop.objects);
            let if_exists = drop.missing_ok;
            match ObjectType::try_from(drop.remove_type).ok()? {
                ObjectType::ObjectTable => Op::DropTable { names, if_exists },
                ObjectType::ObjectIndex => Op::DropIndex {
                    names,
                    table: None,
                    concurrently: drop.concurrent,
                    if_exists,
                    options: None,
                },
                ObjectType::ObjectView | ObjectType::ObjectMatview => {
                    Op::DropView { names, if_exists }
                }
                ObjectType::ObjectSchema => Op::DropSchema { names, if_exists },
                other => Op::DropOther {
                    object: object_word(other).into(),
                    names,
                    if_exists,
                },
            }
        }
        N::TruncateStmt(t) => Op::Truncate {
            tables: t
                .relations
                .iter()
                .filter_map(|r| match r.node.as_ref()? {
                    N::RangeVar(r) => Some(range_name(r)),
                    _ => None,
                })
                .collect(),
        },
        N::ViewStmt(v) => Op::CreateView {
            name: Box::new(range_name(v.view.as_ref()?)),
        },
        N::AlterEnumStmt(e) if e.old_val.is_empty() => Op::AlterTypeAddValue {
            type_name: Box::new(list_name(&e.type_name)?),
            if_not_exists: e.skip_if_new_val_exists,
        },
        N::CreateFunctionStmt(_) | N::CreateTrigStmt(_) | N::DoStmt(_) => Op::Routine,
        N::InsertStmt(i) => Op::Dml {
            kind: DmlKind::Insert,
            table: i
                .relation
                .as_ref()
                .map(|r| std::sync::Arc::new(range_name(r))),
        },
        N::UpdateStmt(u) => Op::Dml {
            kind: DmlKind::Update,
            table: u
                .relation
                .as_ref()
                .map(|r| std::sync::Arc::new(range_name(r))),
        },
        N::DeleteStmt(d) => Op::Dml {
            kind: DmlKind::Delete,
            table: d
                .relation
                .as_ref()
                .map(|r| std::sync::Arc::new(range_name(r))),
        },
        N::SelectStmt(_) => Op::Dml {
            kind: DmlKind::Select,
            table: None,
        },
        _ => return None,
    })
}

fn object_word(object: ObjectType) -> &'static str {
    match object {
        ObjectType::ObjectSequence => "SEQUENCE",
        ObjectType::ObjectType => "TYPE",
        ObjectType::ObjectDomain => "DOMAIN",
        ObjectType::ObjectFunction => "FUNCTION",
        ObjectType::ObjectProcedure => "PROCEDURE",
        ObjectType::ObjectTrigger => "TRIGGER",
        ObjectType::ObjectExtension => "EXTENSION",
        ObjectType::ObjectTabconstraint => "CONSTRAINT",
        _ => "OBJECT",
    }
}

#[cfg(test)]
mod tests {
    use crate::schema::{Catalog, Origin};
    use crate::sql::analysis::analyze;
    use crate::sql::facts::Name;
    use crate::sql::Dialect;

    /// `pg_dump --schema-only` of a PostgreSQL 15 database (identity columns, sequences in
    /// pg_dump's order, `LIKE … INCLUDING ALL`, partitions, `SET STORAGE` / `SET STATISTICS`,
    /// views, a trigger function), without the `\restrict` lines (psql meta-commands, which
    /// Flyway sends to the server as SQL).
    const DUMP: &str = include_str!("testdata/pg_dump_schema.sql");

    #[test]
    fn a_whole_pg_dump_parses_and_replays() {
        let file = analyze(DUMP, Dialect::Postgres, None);
        for s in &file.statements {
            assert_eq!(
                s.parsed.error,
                None,
                "{}",
                &DUMP[s.range().start..s.range().end]
            );
        }
        let mut catalog = Catalog::default();
        let origin = Origin::new(
            &crate::schema::OriginFile::new(std::path::Path::new("V1__dump.sql"), "1"),
            crate::diagnostic::TextRange::new(0, 0),
        );
        for s in &file.statements {
            catalog.apply(&s.parsed.op, &origin);
        }
        let table = |name: &str| catalog.table(&Name::new(Some("app".into()), name));
        for name in ["users", "orders", "copy", "parted", "p2020"] {
            assert!(
                table(name).is_some(),
                "{name} is not in the replayed schema"
            );
        }
        let users = table("users").unwrap();
        assert!(users.column("email").is_some_and(|c| c.spec.not_null));
        assert!(users
            .column("created")
            .is_some_and(|c| c.spec.data_type == "TIMESTAMP WITH TIME ZONE"));
        assert!(catalog.index("orders_user").is_some());
    }

    #[test]
    fn deep_trees_are_accepted_without_overflowing_the_stack() {
        // Valid, and deeper than a 2 MiB thread stack can decode in a debug build.
        for n in [300, 900, 5_000] {
            let sql = format!("SELECT {}1", "1 + ".repeat(n));
            assert!(
                matches!(super::judge(&sql), super::Verdict::Accepted(_)),
                "{n}"
            );
            let sql = format!("CREATE TABLE t (a int DEFAULT {}1)", "1 + ".repeat(n));
            assert!(
                matches!(super::judge(&sql), super::Verdict::Accepted(_)),
                "{n}"
            );
        }
        let sql = format!(
            "CREATE SEQUENCE s START WITH 1 INCREMENT BY 1; SELECT {}1",
            "1 + ".repeat(300)
        );
        let file = analyze(&sql, Dialect::Postgres, None);
        assert!(file.statements.iter().all(|s| s.parsed.error.is_none()));
    }

    #[test]
    fn errors_in_huge_statements_are_found_quickly() {
        // 20,000 rows, the error in the last one: a few parses, not one per comma.
        let mut sql = String::from("INSERT INTO t (a, b) VALUES ");
        for i in 0..20_000 {
            sql.push_str(&format!("({i}, 'x'), "));
        }
        sql.push_str("(1,, 2)");
        let started = std::time::Instant::now();
        match super::judge(&sql) {
            super::Verdict::Rejected { offset, message } => {
                assert_eq!(message, "syntax error at or near \",\"");
                assert_eq!(offset, sql.len() - 4);
            }
            other => panic!("{other:?}"),
        }
        assert!(started.elapsed() < std::time::Duration::from_secs(5));
    }
}
