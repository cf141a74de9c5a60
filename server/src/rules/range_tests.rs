//! Findings underline the part of the statement they are about ([`FileContext::clause`],
//! [`FileContext::action`]): one case per kind of narrowing, checked through the engine.

use crate::config::LoadOptions;
use crate::engine::check_path;

/// The underlined text of each finding of `rule` in `V2__b.sql`, after `V1__a.sql`.
fn underlined(dialect: &str, v1: &str, v2: &str, rule: &str) -> Vec<String> {
    underlined_with(dialect, "", v1, v2, rule)
}

/// [`underlined`] with more `[flyway-lsp]` settings (`server-version = "5.7"\n`).
fn underlined_with(dialect: &str, settings: &str, v1: &str, v2: &str, rule: &str) -> Vec<String> {
    let dir = tempfile::tempdir().unwrap();
    let sql = dir.path().join("sql");
    std::fs::create_dir(&sql).unwrap();
    std::fs::write(
        dir.path().join("flyway.toml"),
        format!(
            "[flyway]\nlocations = [\"filesystem:sql\"]\n[flyway-lsp]\ndialect = \"{dialect}\"\n{settings}[flyway-lsp.rules]\n{rule} = \"warning\"\n"
        ),
    )
    .unwrap();
    std::fs::write(sql.join("V1__a.sql"), v1).unwrap();
    std::fs::write(sql.join("V2__b.sql"), v2).unwrap();
    let report = check_path(dir.path(), &LoadOptions::default())
        .unwrap()
        .remove(0);
    report
        .diagnostics
        .iter()
        .filter(|d| d.rule == rule && d.path.ends_with("V2__b.sql"))
        .map(|d| v2[d.range.start..d.range.end].to_string())
        .collect()
}

const USERS: &str = "CREATE TABLE users (id int PRIMARY KEY, a int, email text, name text, old text, org_id int);\nCREATE TABLE orgs (id int PRIMARY KEY);\nCREATE TABLE gone (id int);\nDROP TABLE gone;\n";

fn pg(v2: &str, rule: &str) -> Vec<String> {
    underlined("postgres", USERS, v2, rule)
}

#[test]
fn the_alter_action_of_the_finding() {
    let v2 = "ALTER TABLE users ALTER COLUMN a TYPE bigint,\n  ALTER COLUMN email SET NOT NULL;";
    assert_eq!(pg(v2, "set-not-null"), ["ALTER COLUMN email SET NOT NULL"]);
    assert_eq!(pg(v2, "change-column-type"), ["ALTER COLUMN a TYPE bigint"]);
    let v2 = "ALTER TABLE users ADD COLUMN z int, DROP CONSTRAINT IF EXISTS users_pkey;";
    assert_eq!(
        pg(v2, "drop-constraint"),
        ["DROP CONSTRAINT IF EXISTS users_pkey"]
    );
}

#[test]
fn a_column_definition() {
    let v2 = "ALTER TABLE users ADD COLUMN note text,\n  ADD COLUMN code int NOT NULL;";
    assert_eq!(
        pg(v2, "add-column-not-null-without-default"),
        ["ADD COLUMN code int NOT NULL"]
    );
    let v2 = "ALTER TABLE users ADD COLUMN note text, ADD COLUMN n serial;";
    assert_eq!(pg(v2, "add-column-rewrite"), ["ADD COLUMN n serial"]);
    let v2 = "CREATE TABLE t (\n  id int PRIMARY KEY,\n  code char(3)\n);";
    assert_eq!(pg(v2, "ban-char"), ["code char(3)"]);
    let v2 = "CREATE TABLE t (\n  note text,\n  id int PRIMARY KEY\n);";
    assert_eq!(pg(v2, "prefer-bigint-key"), ["id int PRIMARY KEY"]);
    let mysql = underlined(
        "mysql",
        "CREATE TABLE users (id int PRIMARY KEY);",
        "CREATE TABLE t (\n  id int PRIMARY KEY,\n  user_id int REFERENCES users (id)\n);",
        "mysql-column-references",
    );
    assert_eq!(mysql, ["user_id int REFERENCES users (id)"]);
}

#[test]
fn the_default_expression() {
    let v2 = "ALTER TABLE users ADD COLUMN token uuid DEFAULT gen_random_uuid() NOT NULL;";
    assert_eq!(pg(v2, "volatile-default"), ["DEFAULT gen_random_uuid()"]);
}

#[test]
fn drops_and_renames() {
    let v2 = "ALTER TABLE users ADD COLUMN x int, DROP COLUMN old;";
    assert_eq!(pg(v2, "drop-column"), ["DROP COLUMN old"]);
    let v2 = "ALTER TABLE users RENAME COLUMN name TO full_name;";
    assert_eq!(pg(v2, "rename-column"), ["RENAME COLUMN name TO full_name"]);
    let v2 = "ALTER TABLE orgs RENAME TO organisations;";
    assert_eq!(pg(v2, "rename-table"), ["RENAME TO organisations"]);
    let mysql = underlined(
        "mysql",
        "CREATE TABLE a (id int);\nCREATE TABLE users (id int);",
        "RENAME TABLE a TO a2,\n  users TO people;",
        "rename-table",
    );
    assert_eq!(mysql, ["a TO a2", "users TO people"]);
}

#[test]
fn constraints() {
    let v2 =
        "ALTER TABLE users ADD COLUMN z int,\n  ADD FOREIGN KEY (org_id) REFERENCES orgs (id);";
    assert_eq!(
        pg(v2, "constraint-without-not-valid"),
        ["ADD FOREIGN KEY (org_id) REFERENCES orgs (id)"]
    );
    let v2 = "ALTER TABLE users ADD COLUMN z int, ADD CONSTRAINT users_email_key UNIQUE (email);";
    assert_eq!(
        pg(v2, "unique-constraint-builds-index"),
        ["ADD CONSTRAINT users_email_key UNIQUE (email)"]
    );
}

#[test]
fn names() {
    let v2 = "CREATE UNIQUE INDEX users_email ON users (email);";
    assert_eq!(
        pg(v2, "require-concurrent-index"),
        ["CREATE UNIQUE INDEX users_email"]
    );
    assert_eq!(
        pg("CREATE INDEX ON users (email);", "require-concurrent-index"),
        ["CREATE INDEX"]
    );
    assert_eq!(
        pg("INSERT INTO public.gone VALUES (1);", "unknown-table"),
        ["public.gone"]
    );
    let v2 =
        "ALTER TABLE users ALTER COLUMN email SET DEFAULT '',\n  ALTER COLUMN nope SET DEFAULT 1;";
    assert_eq!(
        pg(v2, "unknown-column"),
        ["ALTER COLUMN nope SET DEFAULT 1"]
    );
    let long = "a".repeat(70);
    let v2 = format!("CREATE TABLE t (\n  id bigint,\n  {long} int\n);");
    assert_eq!(pg(&v2, "identifier-too-long"), [long]);
}

#[test]
fn the_first_line_when_the_whole_statement_is_to_blame() {
    // Any DDL statement commits the transaction: no clause of it is more to blame.
    let mysql = underlined(
        "mysql",
        "CREATE TABLE users (id int);",
        "START TRANSACTION;\nCREATE TABLE t (\n  id int\n);\nCOMMIT;",
        "mysql-ddl-in-transaction",
    );
    assert_eq!(mysql, ["CREATE TABLE t ("]);
}

#[test]
fn the_names_a_statement_lists() {
    // Only the tables that existed: `gone2` was never created, so nothing of it is lost.
    let v2 = "DROP TABLE IF EXISTS\n  orgs, users\n  CASCADE;";
    assert_eq!(pg(v2, "drop-table"), ["orgs, users"]);
    let v2 = "DROP TABLE\n  orgs CASCADE;";
    assert_eq!(pg(v2, "drop-table"), ["orgs"]);
    let mysql = underlined(
        "mysql",
        "CREATE TABLE a (id int);\nCREATE TABLE b (id int);",
        "DROP TABLE IF EXISTS\n  never_made, `B`;",
        "drop-table",
    );
    assert_eq!(mysql, ["`B`"]);
    let v2 = "TRUNCATE TABLE ONLY\n  users, public.orgs\n  RESTART IDENTITY;";
    assert_eq!(pg(v2, "truncate-table"), ["users, public.orgs"]);
    let v1 = format!(
        "{USERS}CREATE INDEX users_a ON users (a);\nCREATE INDEX users_b ON users (name);\n"
    );
    let v2 = "DROP INDEX IF EXISTS users_a,\n  public.users_b\n  RESTRICT;";
    assert_eq!(
        underlined("postgres", &v1, v2, "require-concurrent-index-drop"),
        ["DROP INDEX IF EXISTS users_a,\n  public.users_b"]
    );
}

#[test]
fn the_clause_that_forces_a_mysql_copy() {
    let v1 = "CREATE TABLE users (id int, email varchar(60), note text) DEFAULT CHARSET=utf8mb4;";
    let mysql = |v2: &str, rule: &str| underlined("mysql", v1, v2, rule);
    assert_eq!(
        mysql(
            "ALTER TABLE users ADD COLUMN z int,\n  MODIFY email varchar(100),\n  ALGORITHM=INPLACE;",
            "mysql-copy-algorithm"
        ),
        ["MODIFY email varchar(100)"]
    );
    // Two clauses to blame: from the first to the last.
    assert_eq!(
        mysql(
            "ALTER TABLE users ADD COLUMN z int,\n  MODIFY email varchar(100),\n  ADD COLUMN y int, ALGORITHM=COPY;",
            "mysql-copy-algorithm"
        ),
        ["MODIFY email varchar(100),\n  ADD COLUMN y int, ALGORITHM=COPY"]
    );
    assert_eq!(
        mysql(
            "ALTER TABLE users ADD COLUMN z int,\n  ENGINE=InnoDB;",
            "mysql-table-rebuild"
        ),
        ["ENGINE=InnoDB"]
    );
    assert_eq!(
        mysql(
            "ALTER TABLE users ADD COLUMN z int,\n  ADD COLUMN n int AUTO_INCREMENT UNIQUE;",
            "mysql-table-rebuild"
        ),
        ["ADD COLUMN n int AUTO_INCREMENT UNIQUE"]
    );
}

#[test]
fn the_clause_that_forces_a_mysql_add_column_rebuild() {
    let v1 = "CREATE TABLE users (id int, email text);";
    let rebuild = |server: &str, v2: &str| {
        let settings = format!("server-version = \"{server}\"\n");
        underlined_with("mysql", &settings, v1, v2, "mysql-add-column-rebuild")
    };
    let v2 = "ALTER TABLE users\n  ADD COLUMN z int NOT NULL AFTER id;";
    // INSTANT at the end of the table only: the placement forces the rebuild.
    assert_eq!(rebuild("8.0.20", v2), ["AFTER id"]);
    // No INSTANT add at all: the whole ADD COLUMN.
    assert_eq!(rebuild("5.7", v2), ["ADD COLUMN z int NOT NULL AFTER id"]);
}

#[test]
fn options_and_type_clauses() {
    let v2 = "ALTER TABLE users ADD COLUMN lock int,\n  ALGORITHM=INPLACE, LOCK=SHARED;";
    let mysql = underlined(
        "mysql",
        "CREATE TABLE users (id int);",
        v2,
        "mysql-blocking-lock",
    );
    assert_eq!(mysql, ["LOCK=SHARED"]);
    let mysql = underlined(
        "mysql",
        "CREATE TABLE shipment (id int, note text, state ENUM('new', 'sent'));",
        "ALTER TABLE shipment MODIFY note text,\n  MODIFY state ENUM('new', 'packed', 'sent');",
        "mysql-enum-change",
    );
    assert_eq!(mysql, ["MODIFY state ENUM('new', 'packed', 'sent')"]);
    let v2 = "ALTER TABLE users ADD CONSTRAINT c CHECK (a > 0) NOT VALID;\nALTER TABLE users ADD COLUMN z int, VALIDATE CONSTRAINT c;";
    assert_eq!(
        pg(v2, "validate-in-same-migration"),
        ["VALIDATE CONSTRAINT c"]
    );
    let v2 = "ALTER TYPE mood\n  RENAME VALUE 'sad' TO 'blue';";
    assert_eq!(
        pg(v2, "rename-enum-value"),
        ["RENAME VALUE 'sad' TO 'blue'"]
    );
    let v2 = "ALTER TABLE users\n  DETACH PARTITION users_2019;";
    assert_eq!(
        pg(v2, "require-concurrent-detach-partition"),
        ["DETACH PARTITION users_2019"]
    );
}

#[test]
fn the_statement_up_to_the_name_it_creates() {
    let v2 = "CREATE TABLE orgs (\n  id int\n);";
    assert_eq!(pg(v2, "duplicate-object"), ["CREATE TABLE orgs"]);
    assert_eq!(pg(v2, "require-if-not-exists"), ["CREATE TABLE orgs"]);
    let v2 = "CREATE INDEX CONCURRENTLY orgs_id ON orgs (id);";
    assert_eq!(
        pg(v2, "require-if-not-exists"),
        ["CREATE INDEX CONCURRENTLY orgs_id"]
    );
    let v2 = "ALTER TABLE users ADD COLUMN z int,\n  ADD COLUMN email text;";
    assert_eq!(pg(v2, "duplicate-object"), ["ADD COLUMN email text"]);
}

#[test]
fn mysql_unique_keys() {
    let v1 = "CREATE TABLE users (id int, email varchar(99), code int);";
    let mysql = |v2: &str| underlined("mysql", v1, v2, "mysql-add-unique");
    assert_eq!(
        mysql("CREATE UNIQUE INDEX users_email\n  ON users (email);"),
        ["CREATE UNIQUE INDEX users_email"]
    );
    assert_eq!(
        mysql("ALTER TABLE users ADD COLUMN z int,\n  ADD UNIQUE KEY users_code (code);"),
        ["ADD UNIQUE KEY users_code (code)"]
    );
}

#[test]
fn the_words_that_make_a_statement_non_transactional() {
    let v2 = "SET lock_timeout = '1s';\nCREATE UNIQUE INDEX CONCURRENTLY users_email\n  ON users (email);";
    assert_eq!(
        pg(v2, "concurrently-in-transaction"),
        ["CREATE UNIQUE INDEX CONCURRENTLY"]
    );
    let v2 = "SET lock_timeout = '1s';\nDROP INDEX CONCURRENTLY IF EXISTS users_email;";
    assert_eq!(
        pg(v2, "concurrently-in-transaction"),
        ["DROP INDEX CONCURRENTLY"]
    );
    // Flyway runs this REINDEX in the migration's transaction.
    let v2 = "REINDEX (VERBOSE, CONCURRENTLY) TABLE users;";
    assert_eq!(pg(v2, "concurrently-in-transaction"), ["CONCURRENTLY"]);
    // VACUUM as a whole.
    let v2 = "SET lock_timeout = '1s';\nVACUUM users;";
    assert_eq!(pg(v2, "concurrently-in-transaction"), ["VACUUM users"]);
}
