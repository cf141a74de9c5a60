//! Proof of the quick fixes: every fix the engine offers (`flyway_lsp::actions`, what the
//! language server sends as code actions, and the suppression comments) for every finding on
//! the fixtures and on three real corpora is applied and the project checked again. A fix
//! fails when it adds an error-level finding (by rule and file, renamed files followed) or
//! leaves the finding it targets: the count of its rule in its file (the file's new name after a
//! rename, the versioned file for a created undo migration) must go down.
//!
//! Text edits and new files are applied to the project in memory, as the editor's buffers are
//! (`ProjectState::set_text`); renames on a temporary copy of the project folder, read again from
//! disk. The SQL a fix writes (each statement an edit touches, every statement of a new file) is
//! then shown to the real server of its dialect, parsed and never run (PostgreSQL's Parse
//! message, MariaDB's COM_STMT_PREPARE; see `syntax_proof.rs`): a statement the server calls a
//! syntax error fails the test, and a missing server fails it too.
//!
//! `ALGORITHM=INPLACE, LOCK=NONE` is judged by running: parse-only cannot tell whether InnoDB
//! can honour it. `mysql_online_ddl_fixes_run_on_mariadb` runs each kind of statement the
//! `mysql-online-ddl` fix is offered for with the clause, on a table with rows in a throwaway
//! database, and shows that the kinds it is not offered for are refused with it.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use flyway_lsp::actions::{Action, Change};
use flyway_lsp::config::{Level, LoadOptions};
use flyway_lsp::diagnostic::{Diagnostic, TextRange};
use flyway_lsp::sql::analysis::analyze;
use flyway_lsp::sql::server::Flavor;
use flyway_lsp::sql::Dialect;
use flyway_lsp::workspace::{ProjectState, Workspace};

use crate::db::{block_on, TestDb};
use crate::repo_root;
use crate::syntax_proof::{ask_mariadb, ask_postgres, server_text, Answer};

/// One project to prove: a root and the config files to read instead of its own.
struct Case {
    root: PathBuf,
    config: Option<PathBuf>,
    /// Suppression comments too (every finding has two; the fixtures only, to keep it short).
    suppressions: bool,
}

fn cases() -> Vec<Case> {
    let root = repo_root();
    let mut cases = Vec::new();
    for fixture in ["postgres-snake", "flyway-naming", "mysql-oro"] {
        for variant in ["broken", "clean"] {
            cases.push(Case {
                root: root.join("fixtures").join(fixture).join(variant),
                config: None,
                suppressions: true,
            });
        }
    }
    for corpus in ["marquez", "killbill", "steady"] {
        cases.push(Case {
            root: root.join("fixtures/corpora").join(corpus),
            config: Some(root.join(format!("tests/corpora/settings/{corpus}.conf"))),
            suppressions: false,
        });
    }
    cases
}

fn options(case: &Case) -> LoadOptions {
    LoadOptions {
        config_files: case.config.iter().cloned().collect(),
        ..LoadOptions::default()
    }
}

fn load(root: &Path, options: &LoadOptions) -> Vec<ProjectState> {
    let (workspace, errors) = Workspace::load(&[root.to_path_buf()], options);
    assert!(errors.is_empty(), "{}: {errors:?}", root.display());
    workspace.projects
}

/// The current text of a file of the project (None: not text, e.g. invalid encoding).
fn text_of(state: &ProjectState, path: &Path) -> Option<String> {
    state
        .file(path)
        .and_then(|f| f.text())
        .map(std::borrow::Cow::into_owned)
}

fn apply_edits(text: &str, edits: &[(TextRange, String)]) -> String {
    let mut out = text.to_string();
    let mut edits = edits.to_vec();
    edits.sort_by_key(|e| std::cmp::Reverse((e.0.start, e.0.end)));
    for (range, new) in edits {
        out.replace_range(range.start..range.end, &new);
    }
    out
}

/// Findings counted by (level is error, rule, path).
fn counts(diagnostics: &[Diagnostic]) -> BTreeMap<(bool, &'static str, PathBuf), usize> {
    let mut out = BTreeMap::new();
    for d in diagnostics {
        *out.entry((d.level == Level::Error, d.rule, d.path.clone()))
            .or_default() += 1;
    }
    out
}

/// SQL a fix wrote, to show the server: (dialect, where, statement).
type Written = Vec<(Dialect, String, String)>;

/// The statements of `text` that overlap the byte ranges `touched` (in `text`'s coordinates).
fn statements_touched(text: &str, dialect: Dialect, touched: &[TextRange]) -> Vec<String> {
    let sql = analyze(text, dialect, None);
    sql.statements
        .iter()
        .filter(|s| {
            let r = s.range();
            touched
                .iter()
                .any(|t| t.start <= r.end && r.start <= t.end.max(t.start))
        })
        .map(|s| server_text(text, s.range().start, s.range().end, dialect))
        .collect()
}

/// Where the edits land in the edited text.
fn edited_ranges(edits: &[(TextRange, String)]) -> Vec<TextRange> {
    let mut sorted = edits.to_vec();
    sorted.sort_by_key(|e| e.0.start);
    let mut shift: isize = 0;
    let mut out = Vec::new();
    for (range, new) in sorted {
        let start = (range.start as isize + shift) as usize;
        out.push(TextRange::new(start, start + new.len()));
        shift += new.len() as isize - (range.end - range.start) as isize;
    }
    out
}

/// Applies `action` and returns the findings after it, with the renames it made
/// (old path → new path, both in the original folder's terms).
fn apply(
    state: &ProjectState,
    case: &Case,
    action: &Action,
    written: &mut Written,
) -> Result<(Vec<Diagnostic>, BTreeMap<PathBuf, PathBuf>), String> {
    let dialect = state.server.dialect();
    let has_rename = action
        .changes
        .iter()
        .any(|c| matches!(c, Change::Rename { .. }));
    if !has_rename {
        let mut after = state.clone();
        for change in &action.changes {
            match change {
                Change::Edit { path, edits } => {
                    let text = text_of(&after, path).ok_or("edit of a file without text")?;
                    let new = apply_edits(&text, edits);
                    for statement in statements_touched(&new, dialect, &edited_ranges(edits)) {
                        written.push((dialect, path.display().to_string(), statement));
                    }
                    if !after.set_text(path, &new) {
                        return Err(format!("{} is in no location", path.display()));
                    }
                }
                Change::Create { path, text } => {
                    if path.exists() || after.file(path).is_some() {
                        return Err(format!("creates {} over a file", path.display()));
                    }
                    let whole = [TextRange::new(0, text.len())];
                    for statement in statements_touched(text, dialect, &whole) {
                        written.push((dialect, path.display().to_string(), statement));
                    }
                    if !after.set_text(path, text) {
                        return Err(format!("{} is in no location", path.display()));
                    }
                }
                Change::Rename { .. } => unreachable!(),
            }
        }
        return Ok((after.diagnostics.to_vec(), BTreeMap::new()));
    }
    // Renames: on a copy of the project folder, read again from disk.
    let base = &case.root;
    for location in &state.project.locations {
        assert!(
            location.path.starts_with(base),
            "{}: a location outside the project folder cannot be copied",
            location.path.display()
        );
    }
    let copy = tempfile::tempdir().map_err(|e| e.to_string())?;
    copy_dir(base, copy.path());
    let into = |p: &Path| {
        copy.path()
            .join(p.strip_prefix(base).expect("inside the project"))
    };
    let mut renames = BTreeMap::new();
    for change in &action.changes {
        match change {
            Change::Rename { from, to } => {
                if from.parent() != to.parent() {
                    return Err("a rename out of the folder".into());
                }
                if std::fs::symlink_metadata(into(to)).is_ok() {
                    return Err(format!("renames onto {}", to.display()));
                }
                std::fs::rename(into(from), into(to)).map_err(|e| e.to_string())?;
                renames.insert(from.clone(), to.clone());
            }
            Change::Edit { path, edits } => {
                let text = std::fs::read_to_string(into(path)).map_err(|e| e.to_string())?;
                std::fs::write(into(path), apply_edits(&text, edits)).map_err(|e| e.to_string())?;
            }
            Change::Create { path, text } => {
                std::fs::write(into(path), text).map_err(|e| e.to_string())?;
            }
        }
    }
    let config = case.config.clone();
    let options = LoadOptions {
        config_files: config.into_iter().collect(),
        ..LoadOptions::default()
    };
    let root = into(&case.root);
    let projects = load(&root, &options);
    let locations: Vec<PathBuf> = state
        .project
        .locations
        .iter()
        .map(|l| into(&l.path))
        .collect();
    let project = projects
        .iter()
        .find(|p| {
            p.project
                .locations
                .iter()
                .map(|l| &l.path)
                .eq(locations.iter())
        })
        .ok_or("the copy has no project at the same locations")?;
    // Back in the original folder's terms.
    let diagnostics = project
        .diagnostics
        .iter()
        .map(|d| {
            let mut d = d.clone();
            d.path = base.join(d.path.strip_prefix(copy.path()).expect("inside the copy"));
            d
        })
        .collect();
    Ok((diagnostics, renames))
}

fn copy_dir(from: &Path, to: &Path) {
    for entry in walkdir::WalkDir::new(from).follow_links(false) {
        let entry = entry.expect("walk the project");
        let target = to.join(entry.path().strip_prefix(from).unwrap());
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
        } else if entry.file_type().is_file() {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// Checks one fix; returns the failure, if any.
fn judge(
    before: &[Diagnostic],
    target: &Diagnostic,
    action: &Action,
    after: &[Diagnostic],
    renames: &BTreeMap<PathBuf, PathBuf>,
) -> Option<String> {
    let moved = |p: &PathBuf| renames.get(p).cloned().unwrap_or_else(|| p.clone());
    let mut old = BTreeMap::new();
    for ((error, rule, path), n) in counts(before) {
        *old.entry((error, rule, moved(&path))).or_insert(0) += n;
    }
    let new = counts(after);
    let added: Vec<String> = new
        .iter()
        .filter(|((error, ..), _)| *error)
        .filter(|(key, n)| **n > old.get(*key).copied().unwrap_or(0))
        .map(|((_, rule, path), _)| format!("{rule} in {}", path.display()))
        .collect();
    if !added.is_empty() {
        let messages: Vec<String> = after
            .iter()
            .filter(|d| d.level == Level::Error)
            .filter(|d| added.iter().any(|a| a.starts_with(d.rule)))
            .map(|d| format!("  {}: {}", d.path.display(), d.message))
            .collect();
        return Some(format!(
            "adds error findings: {}\n{}",
            added.join(", "),
            messages.join("\n")
        ));
    }
    let count = |list: &[Diagnostic], path: &PathBuf| {
        list.iter()
            .filter(|d| d.rule == target.rule && &d.path == path)
            .count()
    };
    let was = count(before, &target.path);
    let is = count(after, &moved(&target.path));
    if is >= was {
        return Some(format!(
            "leaves its finding: {} {} before, {is} after ({})",
            was, target.rule, action.title
        ));
    }
    None
}

#[test]
fn every_fix_on_the_fixtures_fixes_without_new_errors_and_writes_sql_the_server_accepts() {
    let mut failures = Vec::new();
    let mut written = Written::new();
    let mut proved: BTreeMap<&'static str, usize> = BTreeMap::new();
    let mut kinds: BTreeSet<&'static str> = BTreeSet::new();
    let (mut moves, mut pair_renames) = (0, 0);
    for case in cases() {
        let projects = load(&case.root, &options(&case));
        assert!(!projects.is_empty(), "{}: no project", case.root.display());
        for state in &projects {
            let before = state.diagnostics.to_vec();
            for d in &before {
                let text = text_of(state, &d.path).unwrap_or_default();
                let mut actions = flyway_lsp::actions::for_diagnostic(state, d, &text);
                if case.suppressions {
                    actions.extend(flyway_lsp::actions::suppressions(state, d, &text));
                }
                for action in &actions {
                    for change in &action.changes {
                        kinds.insert(match change {
                            Change::Edit { .. } => "edit",
                            Change::Rename { .. } => "rename",
                            Change::Create { .. } => "create",
                        });
                    }
                    let suppression = action.title.starts_with("Ignore ");
                    let mut sql = Written::new();
                    let outcome = apply(state, &case, action, &mut sql);
                    if !suppression {
                        written.extend(sql);
                    }
                    let failure = match outcome {
                        Err(e) => Some(e),
                        Ok((after, renames)) => judge(&before, d, action, &after, &renames),
                    };
                    match failure {
                        Some(why) => failures.push(format!(
                            "{}: {} ({}): \"{}\": {why}",
                            d.path.display(),
                            d.rule,
                            d.message,
                            action.title
                        )),
                        None => {
                            *proved.entry(d.rule).or_default() += 1;
                            if action.title.starts_with("Move to a migration of its own") {
                                moves += 1;
                            }
                            if action.title.starts_with("Rename to") && action.changes.len() > 1 {
                                pair_renames += 1;
                            }
                        }
                    }
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} fixes fail:\n{}",
        failures.len(),
        failures.join("\n")
    );
    // The proof covers every kind of change, and the fixes this work added.
    assert_eq!(
        kinds,
        BTreeSet::from(["create", "edit", "rename"]),
        "every kind of change is proved"
    );
    for rule in [
        "require-lock-timeout",
        "hash-suffix",
        "malformed-version",
        "undo-pair",
        "require-concurrent-index",
    ] {
        assert!(
            proved.contains_key(rule),
            "no {rule} fix proved: {proved:?}"
        );
    }
    assert!(
        moves > 0,
        "no CONCURRENTLY move into a migration of its own proved"
    );
    assert!(pair_renames > 0, "no V and U renamed together proved");
    let rejected = verify(&written);
    assert!(
        rejected.is_empty(),
        "{} statements written by fixes are not accepted by the server:\n{}",
        rejected.len(),
        rejected.join("\n\n")
    );
    eprintln!(
        "fix proof: {} fixes proved ({moves} moves, {pair_renames} pair renames; {proved:?}); {} statements they wrote accepted by the servers",
        proved.values().sum::<usize>(),
        written.len()
    );
}

/// Shows every written statement to its server; returns the refusals.
fn verify(written: &Written) -> Vec<String> {
    let unique: BTreeSet<(bool, String, String)> = written
        .iter()
        .map(|(d, w, s)| (*d == Dialect::Postgres, s.clone(), w.clone()))
        .collect();
    let pg = TestDb::create(Flavor::Postgres);
    let my = TestDb::create(Flavor::MariaDb);
    let mut seen = BTreeSet::new();
    let mut failures = Vec::new();
    block_on(async {
        let (client, connection) = tokio_postgres::connect(&pg.url, tokio_postgres::NoTls)
            .await
            .expect("connect to PostgreSQL");
        let driver = tokio::spawn(connection);
        let opts = mysql_async::Opts::from_url(&my.url).expect("MariaDB URL");
        let mut conn = mysql_async::Conn::new(opts)
            .await
            .expect("connect to MariaDB");
        for (postgres, statement, file) in &unique {
            if !seen.insert((*postgres, statement.clone())) {
                continue;
            }
            let answer = if *postgres {
                ask_postgres(&client, statement).await
            } else {
                ask_mariadb(&mut conn, statement).await
            };
            match answer {
                Answer::Accepted(_) => {}
                Answer::Rejected => failures.push(format!(
                    "{file}: a syntax error for the server:\n{statement}"
                )),
                Answer::CannotJudge(why) => failures.push(format!(
                    "{file}: the server cannot judge it ({why}):\n{statement}"
                )),
            }
        }
        conn.disconnect().await.expect("disconnect from MariaDB");
        drop(client);
        let _ = driver.await;
    });
    failures
}

/// Runs `sql` on MariaDB; the server's error code and message if it fails.
async fn run_mariadb(conn: &mut mysql_async::Conn, sql: &str) -> Result<(), (u16, String)> {
    use mysql_async::prelude::Queryable;
    conn.query_drop(sql).await.map_err(|e| match e {
        mysql_async::Error::Server(s) => (s.code, s.message),
        other => (0, other.to_string()),
    })
}

#[test]
fn mysql_online_ddl_fixes_run_on_mariadb() {
    // The fix as the engine offers it: a project whose V1 makes the tables, V2 the statement.
    let offered = |statement: &str| -> Option<String> {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("flyway.toml"),
            "[flyway]\nurl = \"jdbc:mariadb://x/y\"\nlocations = [\"filesystem:.\"]\n[flyway-lsp.rules]\nmysql-online-ddl = \"warning\"\n",
        )
        .unwrap();
        std::fs::write(
            dir.path().join("V1__tables.sql"),
            "CREATE TABLE t (id INT PRIMARY KEY, a INT, b VARCHAR(10));\nCREATE TABLE n (x INT NULL, y INT NULL);\n",
        )
        .unwrap();
        let v2 = dir.path().join("V2__change.sql");
        let text = format!("{statement};\n");
        std::fs::write(&v2, &text).unwrap();
        let projects = load(dir.path(), &LoadOptions::default());
        let state = &projects[0];
        let d = state
            .diagnostics
            .iter()
            .find(|d| d.rule == "mysql-online-ddl")
            .unwrap_or_else(|| panic!("mysql-online-ddl flags {statement}"));
        let action = flyway_lsp::actions::for_diagnostic(state, d, &text)
            .into_iter()
            .find(|a| a.title.contains("ALGORITHM"))?;
        let Change::Edit { edits, .. } = &action.changes[0] else {
            panic!("a text edit")
        };
        Some(
            apply_edits(&text, edits)
                .trim_end()
                .trim_end_matches(';')
                .to_string(),
        )
    };
    // Offered: each must run with the clause on a table with rows.
    let safe = [
        "ALTER TABLE t ADD COLUMN c INT NULL",
        "ALTER TABLE t ADD COLUMN d VARCHAR(20) NOT NULL DEFAULT 'x'",
        "ALTER TABLE t ALTER COLUMN a SET DEFAULT 3",
        "ALTER TABLE t ADD INDEX ia (a)",
        "ALTER TABLE t ADD UNIQUE KEY ub (b)",
        "CREATE INDEX ib ON t (b)",
    ];
    // Not offered: MariaDB refuses each with ALGORITHM=INPLACE, LOCK=NONE (a copy or a lock).
    let copy_only = [
        "ALTER TABLE t MODIFY a BIGINT",
        "ALTER TABLE t CONVERT TO CHARACTER SET latin1",
        "ALTER TABLE t DROP PRIMARY KEY",
        "ALTER TABLE t ADD COLUMN e INT AUTO_INCREMENT UNIQUE",
    ];
    // Not offered though MariaDB runs these in place (MySQL refuses INPLACE for a primary key
    // over nullable columns; a dropped column may be a key's): conservative, so no control.
    let not_offered = [
        "ALTER TABLE n ADD PRIMARY KEY (x)",
        "ALTER TABLE t DROP COLUMN b",
    ];
    let db = TestDb::create(Flavor::MariaDb);
    let mut failures = Vec::new();
    block_on(async {
        let opts = mysql_async::Opts::from_url(&db.url).expect("MariaDB URL");
        let mut conn = mysql_async::Conn::new(opts).await.expect("connect");
        for setup in [
            "CREATE TABLE t (id INT PRIMARY KEY, a INT, b VARCHAR(10)) ENGINE=InnoDB",
            "CREATE TABLE n (x INT NULL, y INT NULL) ENGINE=InnoDB",
            "INSERT INTO t VALUES (1, 1, 'a'), (2, 2, 'b'), (3, NULL, NULL)",
            "INSERT INTO n VALUES (1, 1), (2, 2)",
        ] {
            run_mariadb(&mut conn, setup).await.expect(setup);
        }
        for statement in safe {
            match offered(statement) {
                None => failures.push(format!("no ALGORITHM fix offered for {statement}")),
                Some(fixed) => {
                    if let Err((code, message)) = run_mariadb(&mut conn, &fixed).await {
                        failures.push(format!("{fixed}: MariaDB refuses it: {code} {message}"));
                    }
                }
            }
        }
        for statement in copy_only {
            if let Some(fixed) = offered(statement) {
                failures.push(format!("a fix is offered for {statement}: {fixed}"));
            }
            let forced = format!("{statement}, ALGORITHM=INPLACE, LOCK=NONE");
            if run_mariadb(&mut conn, &forced).await.is_ok() {
                failures.push(format!(
                    "{forced}: MariaDB runs it, so refusing the fix is not needed (the control is wrong)"
                ));
            }
        }
        for statement in not_offered {
            if let Some(fixed) = offered(statement) {
                failures.push(format!("a fix is offered for {statement}: {fixed}"));
            }
        }
        // A statement that already names an algorithm gets no second one.
        if let Some(fixed) = offered("ALTER TABLE t ADD COLUMN z INT, ALGORITHM=COPY") {
            failures.push(format!("a fix is offered over ALGORITHM=COPY: {fixed}"));
        }
        conn.disconnect().await.expect("disconnect");
    });
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
