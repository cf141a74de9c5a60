//! The undo generator proved on the real servers: for each case, V1..Vn-1 are applied, rows
//! inserted and the database dumped (schema and data: `pg_dump`, `mysqldump`); then Vn and the
//! undo script generated for it run, and the dump must be identical. PostgreSQL on
//! 127.0.0.1:5432 and MariaDB on 127.0.0.1:3306 (or `FLYWAY_LSP_TEST_PG_URL` /
//! `FLYWAY_LSP_TEST_MYSQL_URL`); each case runs in a database of its own, dropped at the end. A
//! server that cannot be reached fails the test.

use std::process::Command;

use flyway_lsp::config::LoadOptions;
use flyway_lsp::engine::{catalog_before, check_path};
use flyway_lsp::sql::analysis::analyze;
use flyway_lsp::sql::server::Flavor;

use crate::db::{block_on, connect, TestDb};

/// One round trip: the migrations before, the rows to insert, the migration to undo. `{db}`
/// stands for the test database's name (MySQL qualifies tables with it).
struct Case {
    name: &'static str,
    earlier: &'static [&'static str],
    rows: &'static str,
    migration: &'static str,
}

const PG_BASE: &str = "CREATE TABLE keep (id int PRIMARY KEY, name varchar(100), note text, code text NOT NULL, price numeric(10,2) DEFAULT 0, qty int);\nCREATE INDEX keep_name ON keep (name);";
const PG_ROWS: &str = "INSERT INTO keep VALUES (1, 'one', 'n1', 'c1', 1.50, 3), (2, 'two', 'n2', 'c2', DEFAULT, NULL);";

const PG_CASES: &[Case] = &[
    Case {
        name: "create table",
        earlier: &[PG_BASE],
        rows: PG_ROWS,
        migration: "CREATE TABLE fresh (id int PRIMARY KEY, keep_id int REFERENCES keep (id));\nINSERT INTO fresh VALUES (1, 1);",
    },
    Case {
        name: "add column",
        earlier: &[PG_BASE],
        rows: PG_ROWS,
        migration: "ALTER TABLE keep ADD COLUMN extra int DEFAULT 5, ADD COLUMN other text;",
    },
    Case {
        name: "add column if not exists on an existing column",
        earlier: &[PG_BASE],
        rows: PG_ROWS,
        migration: "ALTER TABLE keep ADD COLUMN IF NOT EXISTS note text;\nCREATE TABLE IF NOT EXISTS keep (id int);",
    },
    Case {
        name: "alter type",
        earlier: &[PG_BASE],
        rows: PG_ROWS,
        migration: "ALTER TABLE keep ALTER COLUMN name TYPE varchar(200);\nALTER TABLE keep ALTER COLUMN qty TYPE bigint;",
    },
    Case {
        name: "set and drop default",
        earlier: &[PG_BASE],
        rows: PG_ROWS,
        migration: "ALTER TABLE keep ALTER COLUMN price DROP DEFAULT;\nALTER TABLE keep ALTER COLUMN note SET DEFAULT 'none';\nALTER TABLE keep ALTER COLUMN price SET DEFAULT 9;",
    },
    Case {
        name: "set and drop not null",
        earlier: &[PG_BASE],
        rows: PG_ROWS,
        migration: "ALTER TABLE keep ALTER COLUMN note SET NOT NULL;\nALTER TABLE keep ALTER COLUMN code DROP NOT NULL;",
    },
    Case {
        name: "rename column",
        earlier: &[PG_BASE],
        rows: PG_ROWS,
        migration: "ALTER TABLE keep RENAME COLUMN name TO full_name;",
    },
    Case {
        name: "rename table",
        earlier: &[PG_BASE],
        rows: PG_ROWS,
        migration: "ALTER TABLE keep RENAME TO kept;\nALTER TABLE kept ADD COLUMN after_rename int;",
    },
    Case {
        name: "create index",
        earlier: &[PG_BASE],
        rows: PG_ROWS,
        migration: "CREATE INDEX keep_note ON keep (note);\nCREATE UNIQUE INDEX keep_code ON keep (code);\nCREATE INDEX IF NOT EXISTS keep_name ON keep (name);\nCREATE INDEX IF NOT EXISTS keep_qty ON keep (qty);\nCREATE INDEX CONCURRENTLY keep_price ON keep (price);",
    },
    Case {
        name: "create view",
        earlier: &[PG_BASE],
        rows: PG_ROWS,
        migration: "CREATE VIEW keep_names AS SELECT id, name FROM keep;",
    },
    Case {
        name: "quoted and mixed-case identifiers",
        earlier: &["CREATE TABLE \"Mixed Case\" (\"Id\" int, \"Label\" text, \"select\" int);"],
        rows: "INSERT INTO \"Mixed Case\" VALUES (1, 'a', 2);",
        migration: "ALTER TABLE \"Mixed Case\" ADD COLUMN \"Extra\" int;\nALTER TABLE \"Mixed Case\" RENAME COLUMN \"Label\" TO \"Title\";\nALTER TABLE \"Mixed Case\" ALTER COLUMN \"select\" SET DEFAULT 4;\nCREATE INDEX \"Mixed_Idx\" ON \"Mixed Case\" (\"Id\");\nCREATE TABLE \"NewOne\" (\"Key\" int);\nALTER TABLE \"Mixed Case\" RENAME TO \"Order\";",
    },
    Case {
        name: "schema-qualified names",
        earlier: &["CREATE SCHEMA app;\nCREATE TABLE app.items (id int PRIMARY KEY, qty int DEFAULT 1);"],
        rows: "INSERT INTO app.items VALUES (1, 2), (2, DEFAULT);",
        migration: "ALTER TABLE app.items ALTER COLUMN qty SET DEFAULT 2;\nCREATE INDEX items_qty ON app.items (qty);\nALTER TABLE app.items ADD COLUMN note text;\nCREATE TABLE app.more (id int);\nCREATE VIEW app.v AS SELECT id FROM app.items;\nALTER TABLE app.items RENAME TO things;",
    },
    Case {
        name: "add constraints",
        earlier: &[PG_BASE, "CREATE TABLE child (id int PRIMARY KEY, keep_id int);"],
        rows: "INSERT INTO keep VALUES (1, 'one', 'n1', 'c1', 1.50, 3);\nINSERT INTO child VALUES (1, 1);",
        migration: "ALTER TABLE child ADD CONSTRAINT fk_child_keep FOREIGN KEY (keep_id) REFERENCES keep (id) NOT VALID;\nALTER TABLE child VALIDATE CONSTRAINT fk_child_keep;\nALTER TABLE child ADD CONSTRAINT child_uq UNIQUE (keep_id), ADD CONSTRAINT child_check CHECK (id > 0);",
    },
    Case {
        name: "schema, sequence, type, function (an overload), trigger",
        earlier: &[PG_BASE, "CREATE FUNCTION add_one(a int) RETURNS int LANGUAGE sql AS 'SELECT a + 1';"],
        rows: PG_ROWS,
        migration: "BEGIN;\nSET lock_timeout = '5s';\nCREATE FUNCTION add_one(a text) RETURNS text LANGUAGE sql AS 'SELECT a';\nCREATE SCHEMA extra;\nCREATE SEQUENCE extra.counter;\nCREATE TYPE mood AS ENUM ('ok', 'bad');\nCREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;\nCREATE TRIGGER keep_touch BEFORE UPDATE ON keep FOR EACH ROW EXECUTE FUNCTION touch();\nCOMMIT;",
    },
    // Found by a hostile review of the generator (issue #14).
    Case {
        name: "rows into a table created and renamed here, a SELECT that writes nothing",
        earlier: &[PG_BASE],
        rows: PG_ROWS,
        migration: "CREATE TABLE n (id int);\nALTER TABLE n RENAME TO m;\nINSERT INTO m VALUES (1);\nSELECT count(*), max(id) FROM keep;\nSELECT * INTO keep_copy FROM keep;",
    },
    Case {
        name: "materialized view",
        earlier: &[PG_BASE],
        rows: PG_ROWS,
        migration: "CREATE MATERIALIZED VIEW keep_mv AS SELECT id, name FROM keep;",
    },
    Case {
        name: "serial default and not null dropped",
        earlier: &["CREATE TABLE ser (id serial, n int);\nCREATE TABLE \"Ser Q\" (\"Id\" bigserial, n int);"],
        rows: "INSERT INTO ser (n) VALUES (1), (2);\nINSERT INTO \"Ser Q\" (n) VALUES (1);",
        migration: "ALTER TABLE ser ALTER COLUMN id DROP DEFAULT;\nALTER TABLE ser ALTER COLUMN id DROP NOT NULL;\nALTER TABLE \"Ser Q\" ALTER COLUMN \"Id\" SET DEFAULT 7;",
    },
    Case {
        name: "primary key added to nullable columns",
        earlier: &["CREATE TABLE loose (id int, n int NOT NULL, note text);"],
        rows: "INSERT INTO loose VALUES (1, 1, 'a'), (2, 2, NULL);",
        migration: "ALTER TABLE loose ADD CONSTRAINT loose_pk PRIMARY KEY (id, n);",
    },
    Case {
        name: "key-word table names",
        earlier: &["CREATE TABLE comment (id int);\nCREATE TABLE \"user\" (id int);"],
        rows: "INSERT INTO comment VALUES (1);\nINSERT INTO \"user\" VALUES (1);",
        migration: "ALTER TABLE comment ADD COLUMN note int;\nALTER TABLE \"user\" ADD COLUMN n int;\nCREATE TABLE \"order\" (id int);\nCREATE TABLE \"COMMENT\" (id int);",
    },
    Case {
        name: "alter table if exists on a known table",
        earlier: &[PG_BASE],
        rows: PG_ROWS,
        migration: "ALTER TABLE IF EXISTS keep RENAME TO kept;\nALTER TABLE IF EXISTS kept ADD COLUMN extra int;",
    },
];

const MY_BASE: &str = "CREATE TABLE keep (id INT NOT NULL PRIMARY KEY, name VARCHAR(100), note VARCHAR(50), code VARCHAR(20) NOT NULL, price DECIMAL(10,2) DEFAULT 0, qty INT) ENGINE=InnoDB;\nCREATE INDEX keep_name ON keep (name);";
const MY_ROWS: &str = "INSERT INTO keep VALUES (1, 'one', 'n1', 'c1', 1.50, 3), (2, 'two', 'n2', 'c2', DEFAULT, NULL);";

const MY_CASES: &[Case] = &[
    Case {
        name: "create table",
        earlier: &[MY_BASE],
        rows: MY_ROWS,
        migration: "CREATE TABLE fresh (id INT PRIMARY KEY, keep_id INT, CONSTRAINT fk_fresh FOREIGN KEY (keep_id) REFERENCES keep (id)) ENGINE=InnoDB;\nINSERT INTO fresh VALUES (1, 1);",
    },
    Case {
        name: "add column",
        earlier: &[MY_BASE],
        rows: MY_ROWS,
        migration: "ALTER TABLE keep ADD COLUMN extra INT DEFAULT 5, ADD COLUMN other TEXT;",
    },
    Case {
        name: "add column if not exists on an existing column",
        earlier: &[MY_BASE],
        rows: MY_ROWS,
        migration: "ALTER TABLE keep ADD COLUMN IF NOT EXISTS note VARCHAR(50);\nCREATE TABLE IF NOT EXISTS keep (id INT);",
    },
    Case {
        name: "alter type",
        earlier: &[MY_BASE],
        rows: MY_ROWS,
        migration: "ALTER TABLE keep MODIFY name VARCHAR(200);\nALTER TABLE keep MODIFY qty BIGINT;",
    },
    Case {
        name: "set and drop default",
        earlier: &[MY_BASE],
        rows: MY_ROWS,
        migration: "ALTER TABLE keep ALTER COLUMN price DROP DEFAULT;\nALTER TABLE keep ALTER COLUMN note SET DEFAULT 'none';\nALTER TABLE keep ALTER COLUMN price SET DEFAULT 9;",
    },
    Case {
        name: "set and drop not null",
        earlier: &[MY_BASE],
        rows: MY_ROWS,
        migration: "ALTER TABLE keep MODIFY note VARCHAR(50) NOT NULL;\nALTER TABLE keep MODIFY code VARCHAR(20) NULL;",
    },
    Case {
        name: "rename column",
        earlier: &[MY_BASE],
        rows: MY_ROWS,
        migration: "ALTER TABLE keep RENAME COLUMN name TO full_name;\nALTER TABLE keep CHANGE note remark VARCHAR(80) NOT NULL DEFAULT 'r';",
    },
    Case {
        name: "rename table",
        earlier: &[MY_BASE],
        rows: MY_ROWS,
        migration: "RENAME TABLE keep TO kept;\nALTER TABLE kept RENAME TO kept2;\nALTER TABLE kept2 ADD COLUMN after_rename INT;",
    },
    Case {
        name: "create index",
        earlier: &[MY_BASE],
        rows: MY_ROWS,
        migration: "CREATE INDEX keep_note ON keep (note);\nCREATE UNIQUE INDEX keep_code ON keep (code);\nCREATE INDEX IF NOT EXISTS keep_name ON keep (name);\nCREATE INDEX IF NOT EXISTS keep_qty ON keep (qty);\nALTER TABLE keep ADD INDEX keep_price (price);",
    },
    Case {
        name: "create view",
        earlier: &[MY_BASE],
        rows: MY_ROWS,
        migration: "CREATE VIEW keep_names AS SELECT id, name FROM keep;",
    },
    Case {
        name: "quoted and mixed-case identifiers",
        earlier: &["CREATE TABLE `Mixed Case` (`Id` INT, `Label` VARCHAR(10), `select` INT) ENGINE=InnoDB;\nCREATE TABLE AlertVO (uuid VARCHAR(32)) ENGINE=InnoDB;"],
        rows: "INSERT INTO `Mixed Case` VALUES (1, 'a', 2);\nINSERT INTO AlertVO VALUES ('u');",
        migration: "ALTER TABLE `Mixed Case` ADD COLUMN `Extra` INT;\nALTER TABLE `Mixed Case` RENAME COLUMN `Label` TO `Title`;\nALTER TABLE `Mixed Case` ALTER COLUMN `select` SET DEFAULT 4;\nCREATE INDEX `Mixed_Idx` ON `Mixed Case` (`Id`);\nCREATE TABLE NewOne (`Key` INT) ENGINE=InnoDB;\nALTER TABLE AlertVO ADD COLUMN Level INT;\nRENAME TABLE AlertVO TO AlertVO2;",
    },
    Case {
        name: "schema-qualified names",
        earlier: &["CREATE TABLE {db}.items (id INT PRIMARY KEY, qty INT DEFAULT 1) ENGINE=InnoDB;"],
        rows: "INSERT INTO items VALUES (1, 2), (2, DEFAULT);",
        migration: "ALTER TABLE {db}.items ALTER COLUMN qty SET DEFAULT 2;\nCREATE INDEX items_qty ON {db}.items (qty);\nALTER TABLE {db}.items ADD COLUMN note TEXT;\nCREATE TABLE {db}.more (id INT) ENGINE=InnoDB;\nCREATE VIEW {db}.v AS SELECT id FROM {db}.more;\nRENAME TABLE {db}.items TO {db}.things;",
    },
    Case {
        name: "add constraints",
        earlier: &[MY_BASE, "CREATE TABLE child (id INT PRIMARY KEY, keep_id INT, other_id INT, KEY child_other (other_id)) ENGINE=InnoDB;"],
        rows: "INSERT INTO keep VALUES (1, 'one', 'n1', 'c1', 1.50, 3);\nINSERT INTO child VALUES (1, 1, 1);",
        migration: "ALTER TABLE child ADD CONSTRAINT fk_child_keep FOREIGN KEY (keep_id) REFERENCES keep (id);\nALTER TABLE child ADD CONSTRAINT fk_child_other FOREIGN KEY (other_id) REFERENCES keep (id), ADD CONSTRAINT child_uq UNIQUE (id, other_id), ADD CONSTRAINT child_check CHECK (id > 0);",
    },
    Case {
        name: "trigger, procedure, function",
        earlier: &[MY_BASE],
        rows: MY_ROWS,
        migration: "CREATE TRIGGER keep_touch BEFORE UPDATE ON keep FOR EACH ROW SET NEW.qty = NEW.qty;\nCREATE PROCEDURE noop() SELECT 1;\nCREATE FUNCTION one() RETURNS INT DETERMINISTIC RETURN 1;",
    },
    // Found by a hostile review of the generator (issue #14).
    Case {
        name: "foreign keys served by a composite primary key, an index of the same statement or a later one",
        earlier: &["CREATE TABLE parent (id INT PRIMARY KEY) ENGINE=InnoDB;\nCREATE TABLE link (a INT, b INT, c INT, d INT, PRIMARY KEY (a, b)) ENGINE=InnoDB;"],
        rows: "INSERT INTO parent VALUES (1);\nINSERT INTO link VALUES (1, 1, 1, 1);",
        migration: "ALTER TABLE link ADD CONSTRAINT fk_link_a FOREIGN KEY (a) REFERENCES parent (id);\nALTER TABLE link ADD CONSTRAINT fk_link_c FOREIGN KEY (c) REFERENCES parent (id), ADD INDEX link_c (c);\nALTER TABLE link ADD CONSTRAINT fk_link_b FOREIGN KEY (b) REFERENCES parent (id);\nALTER TABLE link ADD CONSTRAINT fk_link_d FOREIGN KEY (d) REFERENCES parent (id);\nCREATE INDEX link_d ON link (d);",
    },
    Case {
        name: "create or replace table on a table the replay saw dropped",
        earlier: &[MY_BASE, "CREATE TABLE gone (id INT) ENGINE=InnoDB;\nDROP TABLE gone;"],
        rows: MY_ROWS,
        migration: "CREATE OR REPLACE TABLE gone (id INT, n INT) ENGINE=InnoDB;\nINSERT INTO gone VALUES (1, 1);",
    },
    Case {
        name: "key-word table names",
        earlier: &["CREATE TABLE comment (id INT) ENGINE=InnoDB;\nCREATE TABLE `user` (id INT) ENGINE=InnoDB;"],
        rows: "INSERT INTO comment VALUES (1);\nINSERT INTO `user` VALUES (1);",
        migration: "ALTER TABLE comment ADD COLUMN note INT COMMENT 'a note';\nALTER TABLE `user` ADD COLUMN n INT;\nCREATE TABLE COMMENT (id INT) ENGINE=InnoDB;\nCREATE TABLE `order` (id INT) ENGINE=InnoDB;",
    },
    Case {
        name: "columns moved by FIRST and AFTER put back",
        earlier: &["CREATE TABLE k (id INT, qty INT, n INT) ENGINE=InnoDB;\nALTER TABLE k ADD COLUMN z INT FIRST, ADD COLUMN y INT AFTER qty;"],
        rows: "INSERT INTO k VALUES (1, 2, 3, 4, 5);",
        migration: "ALTER TABLE k MODIFY qty BIGINT FIRST;\nALTER TABLE k CHANGE id key_id INT AFTER n;\nALTER TABLE k MODIFY key_id INT FIRST;\nALTER TABLE k MODIFY y INT AFTER z;",
    },
    Case {
        name: "enum labels keep their case",
        earlier: &["CREATE TABLE e (id INT, m ENUM('a','B') NOT NULL DEFAULT 'B') ENGINE=InnoDB;"],
        rows: "INSERT INTO e VALUES (1, 'a'), (2, 'B');",
        migration: "ALTER TABLE e MODIFY m VARCHAR(5) NOT NULL;",
    },
    Case {
        name: "primary key added to nullable columns and over a foreign key's own index",
        earlier: &["CREATE TABLE loose (id INT, n INT NOT NULL, note VARCHAR(5)) ENGINE=InnoDB;\nCREATE TABLE up (id INT PRIMARY KEY) ENGINE=InnoDB;\nCREATE TABLE node (id INT NOT NULL, CONSTRAINT fk_node_id FOREIGN KEY (id) REFERENCES up (id)) ENGINE=InnoDB;"],
        rows: "INSERT INTO loose VALUES (1, 1, 'a'), (2, 2, NULL);\nINSERT INTO up VALUES (1);\nINSERT INTO node VALUES (1);",
        migration: "ALTER TABLE loose ADD PRIMARY KEY (id, n);\nALTER TABLE node ADD PRIMARY KEY (id);",
    },
    Case {
        name: "default CURRENT_TIMESTAMP put back",
        earlier: &["CREATE TABLE d (id INT, ts DATETIME DEFAULT CURRENT_TIMESTAMP) ENGINE=InnoDB;"],
        rows: "INSERT INTO d VALUES (1, '2001-02-03 04:05:06');",
        migration: "ALTER TABLE d ALTER COLUMN ts SET DEFAULT '2020-01-01 00:00:00';",
    },
];

/// Runs each statement of `script` (split as the engine splits it) on the test database.
fn run(db: &TestDb, script: &str) {
    let dialect = match db.flavor {
        Flavor::Postgres => flyway_lsp::sql::Dialect::Postgres,
        _ => flyway_lsp::sql::Dialect::MySql,
    };
    let file = analyze(script, dialect, None);
    block_on(async {
        let mut client = connect(&db.url)
            .await
            .expect("connect to the test database");
        for statement in &file.statements {
            let range = statement.range();
            let sql = &script[range.start..range.end];
            client
                .execute(sql)
                .await
                .unwrap_or_else(|e| panic!("{sql}: {e}"));
        }
        client.close().await;
    });
}

/// The server's version as the tool's `server-version` setting writes it.
fn server_version(db: &TestDb) -> String {
    let sql = match db.flavor {
        Flavor::Postgres => "SHOW server_version",
        _ => "SELECT VERSION()",
    };
    let text = db.query(sql)[0][0].clone().expect("a version");
    text.split(|c: char| !(c.is_ascii_digit() || c == '.'))
        .next()
        .unwrap()
        .to_string()
}

/// Schema and data, as the server's own dump tool writes them (lines that change between
/// runs left out).
fn dump(db: &TestDb) -> String {
    let output = match db.flavor {
        Flavor::Postgres => Command::new("pg_dump")
            .args(["--no-owner", "--no-privileges", "--dbname", &db.url])
            .output(),
        _ => {
            let rest = db.url.trim_start_matches("mysql://");
            let (user, rest) = rest.split_once('@').expect("user@host in the MySQL URL");
            let (host, _) = rest
                .split_once('/')
                .expect("host/database in the MySQL URL");
            let (host, port) = host.split_once(':').unwrap_or((host, "3306"));
            let (user, password) = user.split_once(':').unwrap_or((user, ""));
            let mut command = Command::new("mysqldump");
            command.args([
                "--skip-dump-date",
                "--skip-comments",
                "--routines",
                "--triggers",
                "--protocol=TCP",
                &format!("--host={host}"),
                &format!("--port={port}"),
                &format!("--user={user}"),
            ]);
            if !password.is_empty() {
                command.env("MYSQL_PWD", password);
            }
            command.arg(&db.name).output()
        }
    }
    .expect("the dump tool runs");
    assert!(
        output.status.success(),
        "dump failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout)
        .expect("a UTF-8 dump")
        .lines()
        .filter(|l| !l.starts_with("\\restrict") && !l.starts_with("\\unrestrict"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The undo script the tool generates for the last of `scripts`, in a project configured for
/// `flavor` at `version`.
fn generate_undo(flavor: Flavor, version: &str, scripts: &[String]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let sql = dir.path().join("sql");
    std::fs::create_dir(&sql).unwrap();
    let dialect = match flavor {
        Flavor::Postgres => "postgres",
        Flavor::MySql => "mysql",
        Flavor::MariaDb => "mariadb",
    };
    std::fs::write(
        dir.path().join("flyway.toml"),
        format!("[flyway]\nlocations = [\"filesystem:sql\"]\n[flyway-lsp]\ndialect = \"{dialect}\"\nserver-version = \"{version}\"\n"),
    )
    .unwrap();
    for (i, script) in scripts.iter().enumerate() {
        std::fs::write(sql.join(format!("V{}__step.sql", i + 1)), script).unwrap();
    }
    let report = check_path(dir.path(), &LoadOptions::default())
        .expect("the project loads")
        .remove(0);
    assert_eq!(report.server.flavor, flavor);
    let last = format!("V{}__step.sql", scripts.len());
    let index = report
        .set
        .files
        .iter()
        .position(|f| f.file_name == last)
        .expect("the last migration is in the set");
    let before = catalog_before(&report.set, &report.sql, index);
    let file = report.sql[index].as_ref().expect("analysed");
    flyway_lsp::scaffold::undo_script(file, &scripts[scripts.len() - 1], &report.server, &before)
}

fn round_trip(flavor: Flavor, cases: &[Case]) {
    let mut failures = Vec::new();
    for case in cases {
        let db = TestDb::create(flavor);
        let fill = |s: &str| s.replace("{db}", &db.name);
        let mut scripts: Vec<String> = case.earlier.iter().map(|s| fill(s)).collect();
        scripts.push(fill(case.migration));
        let undo = generate_undo(flavor, &server_version(&db), &scripts);
        for script in &scripts[..scripts.len() - 1] {
            run(&db, script);
        }
        run(&db, &fill(case.rows));
        let before = dump(&db);
        run(&db, &scripts[scripts.len() - 1]);
        let changed = dump(&db);
        run(&db, &undo);
        let after = dump(&db);
        drop(db);
        if undo.contains("TODO") {
            failures.push(format!("{}: the undo has a TODO:\n{undo}", case.name));
        }
        let no_op = case.name.contains("if not exists");
        if !no_op && changed == before {
            failures.push(format!("{}: the migration changed nothing", case.name));
        }
        if after != before {
            failures.push(format!(
                "{}: the dump after the undo differs\n--- undo:\n{undo}\n--- before:\n{before}\n--- after:\n{after}",
                case.name
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn undo_round_trip_postgres() {
    round_trip(Flavor::Postgres, PG_CASES);
}

#[test]
fn undo_round_trip_mariadb() {
    round_trip(Flavor::MariaDb, MY_CASES);
}

#[test]
fn a_dump_sees_what_a_migration_changes() {
    // The proof is only as good as the dump: a changed default and a lost row show in it, and
    // the same state dumps the same text.
    let db = TestDb::create(Flavor::Postgres);
    run(&db, PG_BASE);
    run(&db, PG_ROWS);
    let base = dump(&db);
    run(&db, "ALTER TABLE keep ALTER COLUMN price SET DEFAULT 1");
    assert_ne!(dump(&db), base);
    run(&db, "ALTER TABLE keep ALTER COLUMN price SET DEFAULT 0");
    assert_eq!(dump(&db), base);
    run(&db, "DELETE FROM keep WHERE id = 2");
    assert_ne!(dump(&db), base);
}
