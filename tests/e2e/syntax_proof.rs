//! Proof against the real servers: every statement that `check` calls a `syntax-error` on the
//! real corpora (`fixtures/corpora/`, with their real settings and at their roots with none) is
//! shown to the real server, which must reject it too. These projects ran in production, so a
//! statement the server accepts is a false finding and fails the test.
//!
//! Nothing is executed. PostgreSQL parses a statement on the extended protocol's Parse message
//! (tokio-postgres `prepare`) without running it: SQLSTATE 42601 is a syntax error; any other
//! outcome (success, an unknown table, a type error) means the grammar accepted it. MariaDB
//! parses on `COM_STMT_PREPARE` (mysql_async `prep`): error 1064 is a parse error. MariaDB does
//! not prepare every statement (error 1295, "not supported in the prepared statement protocol");
//! such a statement is parsed as the body of a stored procedure instead (`CREATE PROCEDURE …
//! BEGIN stmt; END`, which parses the body without running it, in the throwaway database), and
//! if the server cannot judge it that way either, the test fails naming the statement: a claim
//! that cannot be checked is never passed silently. The same holds for PostgreSQL's "cannot
//! insert multiple commands into a prepared statement" (also 42601, but not a verdict on the
//! syntax).
//!
//! Each server gets a throwaway database of its own (unique name, dropped at the end). A server
//! that cannot be reached fails the test. Two controls keep the oracle honest: a valid statement
//! must be accepted and a misspelled one rejected by each server, through the same code path as
//! the corpus statements, and a generated project with one real syntax error per dialect must
//! produce a finding that the server confirms.

use std::collections::BTreeSet;
use std::path::Path;

use flyway_lsp::sql::analysis::analyze;
use flyway_lsp::sql::lexer::TokenKind;
use flyway_lsp::sql::server::Flavor;
use flyway_lsp::sql::Dialect;

use crate::db::{block_on, TestDb};
use crate::{repo_root, run_in};

/// A statement the tool calls a syntax error.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Claim {
    dialect_is_postgres: bool,
    file: String,
    line: u64,
    statement: String,
}

/// The server's answer for one statement.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Answer {
    Rejected,
    Accepted(String),
    /// The server could not judge the statement's syntax; why.
    CannotJudge(String),
}

/// Runs `check --format json` and collects the statements of its `syntax-error` findings.
fn claims(cwd: &Path, args: &[&str], out: &mut BTreeSet<Claim>) {
    let mut all = vec!["check", "--format", "json"];
    all.extend_from_slice(args);
    let run = run_in(cwd, &all);
    assert!(run.stderr.is_empty(), "{args:?}: {}", run.stderr);
    let json: serde_json::Value = serde_json::from_str(&run.stdout).expect("JSON output");
    for d in json["diagnostics"].as_array().expect("diagnostics") {
        if d["rule"] != "syntax-error" {
            continue;
        }
        let path = cwd.join(d["path"].as_str().expect("path"));
        let message = d["message"].as_str().expect("message");
        let postgres = message.starts_with("Syntax error (PostgreSQL");
        let dialect = if postgres {
            Dialect::Postgres
        } else {
            Dialect::MySql
        };
        let offset = d["byte_range"][0].as_u64().expect("byte_range") as usize;
        let bytes = std::fs::read(&path).expect("read the file");
        let text = String::from_utf8_lossy(&bytes).into_owned();
        let file = analyze(&text, dialect, None);
        let statement = file
            .statements
            .iter()
            .find(|s| s.range().start <= offset && offset <= s.range().end)
            .unwrap_or_else(|| panic!("{}: no statement at byte {offset}", path.display()));
        out.insert(Claim {
            dialect_is_postgres: postgres,
            file: path.display().to_string(),
            line: d["start"]["line"].as_u64().unwrap_or(0),
            statement: server_text(
                &text,
                statement.range().start,
                statement.range().end,
                dialect,
            ),
        });
    }
}

/// The statement as the server gets it: unresolved placeholders become identifiers of their own
/// length, as the tool's parsers see them (a syntax error the tool reports lies before any
/// placeholder; after one it reports `statement-not-analysed` instead).
pub(crate) fn server_text(text: &str, start: usize, end: usize, dialect: Dialect) -> String {
    let body = &text[start..end];
    let mut out = String::new();
    let mut pos = 0;
    for t in flyway_lsp::sql::lexer::tokenize(body, dialect) {
        if t.kind == TokenKind::Placeholder {
            out.push_str(&body[pos..t.start]);
            out.push_str(&"_".repeat(t.end - t.start));
            pos = t.end;
        }
    }
    out.push_str(&body[pos..]);
    out
}

pub(crate) async fn ask_postgres(client: &tokio_postgres::Client, sql: &str) -> Answer {
    match client.prepare(sql).await {
        Ok(_) => Answer::Accepted("prepared".into()),
        Err(e) => match e.as_db_error() {
            Some(db) if db.message().contains("multiple commands") => {
                Answer::CannotJudge(db.message().to_string())
            }
            Some(db) if *db.code() == tokio_postgres::error::SqlState::SYNTAX_ERROR => {
                Answer::Rejected
            }
            Some(db) => Answer::Accepted(format!("{}: {}", db.code().code(), db.message())),
            None => Answer::CannotJudge(e.to_string()),
        },
    }
}

fn mysql_code(e: &mysql_async::Error) -> Option<(u16, String)> {
    match e {
        mysql_async::Error::Server(s) => Some((s.code, s.message.clone())),
        _ => None,
    }
}

pub(crate) async fn ask_mariadb(conn: &mut mysql_async::Conn, sql: &str) -> Answer {
    use mysql_async::prelude::Queryable;
    match conn.prep(sql).await {
        Ok(statement) => {
            let _ = conn.close(statement).await;
            Answer::Accepted("prepared".into())
        }
        Err(e) => match mysql_code(&e) {
            Some((1064, _)) => Answer::Rejected,
            // Not preparable: parse it as a procedure body, which is not run.
            Some((1295, _)) => {
                let wrapped = format!("CREATE PROCEDURE flyway_lsp_proof() BEGIN\n{sql};\nEND");
                let answer = match conn.query_drop(&wrapped).await {
                    Ok(()) => Answer::Accepted("parsed as a procedure body".into()),
                    Err(e) => match mysql_code(&e) {
                        Some((1064, _)) => Answer::Rejected,
                        Some((code, message)) => Answer::CannotJudge(format!(
                            "not preparable, and as a procedure body: {code} {message}"
                        )),
                        None => Answer::CannotJudge(e.to_string()),
                    },
                };
                let _ = conn
                    .query_drop("DROP PROCEDURE IF EXISTS flyway_lsp_proof")
                    .await;
                answer
            }
            Some((code, message)) => Answer::Accepted(format!("{code}: {message}")),
            None => Answer::CannotJudge(e.to_string()),
        },
    }
}

/// Asks each server about its dialect's claims (and the controls); returns the failures.
fn verify(claims: &BTreeSet<Claim>) -> Vec<String> {
    let pg = TestDb::create(Flavor::Postgres);
    let my = TestDb::create(Flavor::MariaDb);
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

        // Controls: the oracle tells valid from invalid.
        let valid_pg =
            "CREATE SEQUENCE s START WITH 1 INCREMENT BY 1 NO MINVALUE NO MAXVALUE CACHE 1";
        assert!(
            matches!(ask_postgres(&client, valid_pg).await, Answer::Accepted(_)),
            "control: PostgreSQL must accept {valid_pg}"
        );
        assert_eq!(
            ask_postgres(&client, "ALTER TABLE t ADD COLUMN x text DEFALT 'a'").await,
            Answer::Rejected,
            "control: PostgreSQL must reject a misspelled key word"
        );
        let valid_my = "ALTER TABLE t ADD COLUMN (a INT, b INT)";
        assert!(
            matches!(ask_mariadb(&mut conn, valid_my).await, Answer::Accepted(_)),
            "control: MariaDB must accept {valid_my}"
        );
        assert!(
            matches!(
                ask_mariadb(&mut conn, "PREPARE s FROM @sql").await,
                Answer::Accepted(_)
            ),
            "control: a statement MariaDB cannot prepare is judged as a procedure body"
        );
        assert_eq!(
            ask_mariadb(&mut conn, "ALTER TABLE t ADD COLUMN x TEXT NOT NUL").await,
            Answer::Rejected,
            "control: MariaDB must reject a misspelled key word"
        );

        for claim in claims {
            let answer = if claim.dialect_is_postgres {
                ask_postgres(&client, &claim.statement).await
            } else {
                ask_mariadb(&mut conn, &claim.statement).await
            };
            match answer {
                Answer::Rejected => {}
                Answer::Accepted(how) => failures.push(format!(
                    "{}:{}: the server accepts this statement ({how}), so the syntax-error is false:\n{}",
                    claim.file, claim.line, claim.statement
                )),
                Answer::CannotJudge(why) => failures.push(format!(
                    "{}:{}: the server cannot judge this statement ({why}); the syntax-error is unproven:\n{}",
                    claim.file, claim.line, claim.statement
                )),
            }
        }
        conn.disconnect().await.expect("disconnect from MariaDB");
        drop(client);
        let _ = driver.await;
    });
    failures
}

#[test]
fn every_syntax_error_on_the_corpora_is_rejected_by_the_real_server() {
    let root = repo_root();
    let corpora = root.join("fixtures/corpora");
    let mut found = BTreeSet::new();
    let mut settings: Vec<_> = std::fs::read_dir(root.join("tests/corpora/settings"))
        .expect("tests/corpora/settings")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "conf"))
        .collect();
    settings.sort();
    for file in &settings {
        let run = file.file_stem().and_then(|s| s.to_str()).expect("name");
        let corpus = run.split('.').next().expect("corpus name");
        claims(
            &root,
            &[
                "--config",
                file.to_str().expect("UTF-8 path"),
                corpora.join(corpus).to_str().expect("UTF-8 path"),
            ],
            &mut found,
        );
    }
    let mut names: Vec<_> = std::fs::read_dir(&corpora)
        .expect("fixtures/corpora")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.is_dir())
        .collect();
    names.sort();
    assert!(names.len() >= 9, "the corpora are missing");
    for dir in &names {
        claims(dir, &[], &mut found);
    }

    // A generated project with one real syntax error per dialect goes through the same path:
    // the pipeline finds claims and the servers confirm them.
    let control = tempfile::tempdir().expect("temporary folder");
    let pg_dir = control.path().join("pg");
    let my_dir = control.path().join("my");
    std::fs::create_dir_all(&pg_dir).unwrap();
    std::fs::create_dir_all(&my_dir).unwrap();
    std::fs::write(
        pg_dir.join("V1__bad.sql"),
        "CREATE TABLE t (id int);\nALTER TABLE t ADD COLUMN x text DEFALT 'a';\n",
    )
    .unwrap();
    std::fs::write(
        pg_dir.join("flyway.conf"),
        "flyway.url=jdbc:postgresql://x/y\n",
    )
    .unwrap();
    std::fs::write(
        my_dir.join("V1__bad.sql"),
        "CREATE TABLE t (id INT);\nALTER TABLE t ADD COLUMN x TEXT DEFAULT 'a;\n",
    )
    .unwrap();
    std::fs::write(
        my_dir.join("flyway.conf"),
        "flyway.url=jdbc:mariadb://x/y\n",
    )
    .unwrap();
    let mut controls = BTreeSet::new();
    claims(&pg_dir, &["--config", "flyway.conf", "."], &mut controls);
    claims(&my_dir, &["--config", "flyway.conf", "."], &mut controls);
    assert_eq!(
        controls
            .iter()
            .map(|c| c.dialect_is_postgres)
            .collect::<Vec<_>>(),
        vec![false, true],
        "control: one syntax-error per dialect: {controls:?}"
    );

    let all: BTreeSet<Claim> = found.union(&controls).cloned().collect();
    let failures = verify(&all);
    assert!(
        failures.is_empty(),
        "{} of {} syntax-error claims are not confirmed by the real server:\n\n{}",
        failures.len(),
        all.len(),
        failures.join("\n\n")
    );
    eprintln!(
        "syntax proof: {} syntax-error claims on the corpora, {} controls; all rejected by the real servers",
        found.len(),
        controls.len()
    );
}
