//! Every SQL rule with a migration it must flag and a safe variant it must not, run through the
//! whole engine (split, parse, replay, rules) on a temporary project.

use std::fs;

use crate::config::LoadOptions;
use crate::engine::check_path;

/// Rules whose findings are not a part of one statement: a comment (a suppression, an undo
/// script's TODO line), or the empty place where a parser stopped.
const NOT_ON_A_STATEMENT: &[&str] = &[
    "invalid-suppression",
    "statement-not-analysed",
    "syntax-error",
    "undo-todo",
];

const PG_BASE: &str = "CREATE TABLE users (id bigint PRIMARY KEY, email text, name text);
CREATE TABLE orders (id bigint PRIMARY KEY, user_id bigint, total numeric(10, 2), status text);
CREATE INDEX orders_user_idx ON orders (user_id);
CREATE TYPE mood AS ENUM ('ok');
CREATE TABLE notes (id bigint PRIMARY KEY, body character varying(200));
";

const MYSQL_BASE: &str = "CREATE TABLE users (id BIGINT NOT NULL AUTO_INCREMENT, email VARCHAR(40), name TEXT, PRIMARY KEY (id)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
CREATE TABLE orders (id BIGINT NOT NULL AUTO_INCREMENT, user_id BIGINT, total DECIMAL(10, 2), PRIMARY KEY (id)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
CREATE INDEX orders_user_idx ON orders (user_id);
CREATE TABLE shipments (id BIGINT NOT NULL AUTO_INCREMENT, state ENUM('new', 'sent'), PRIMARY KEY (id)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
CREATE TABLE legacy (id BIGINT NOT NULL AUTO_INCREMENT, code VARCHAR(40), PRIMARY KEY (id)) ENGINE=InnoDB DEFAULT CHARSET=utf8;
";

struct Case {
    rule: &'static str,
    dialect: &'static str,
    /// Extra `[flyway-lsp]` settings (e.g. a server version).
    settings: &'static str,
    flagged: &'static str,
    safe: &'static str,
    /// For undo rules: the versioned migration the undo (`flagged` / `safe`) reverts.
    undo_of: Option<&'static str>,
}

const fn case(
    rule: &'static str,
    dialect: &'static str,
    flagged: &'static str,
    safe: &'static str,
) -> Case {
    Case {
        rule,
        dialect,
        settings: "",
        flagged,
        safe,
        undo_of: None,
    }
}

const CASES: &[Case] = &[
    case("syntax-error", "postgres", "ALTER TABLE users ADD COLUMN x text DEFALT 'a';", "ALTER TABLE users ADD COLUMN x text DEFAULT 'a';"),
    case("syntax-error", "mysql", "ALTER TABLE users ADD COLUMN x TEXT DEFAULT 'a;", "ALTER TABLE users ADD COLUMN x TEXT DEFAULT 'a';"),
    case("statement-not-analysed", "mysql", "ALTER TABLE users ADD COLUMN x TEXT NOT NUL;", "ALTER TABLE users ADD COLUMN x TEXT NOT NULL;"),
    // Valid PostgreSQL that sqlparser rejects: PostgreSQL's own grammar accepts it.
    case("syntax-error", "postgres", "CREATE SEQUENCE s START WITH 1 INCREMENT BY 1 CACHE;", "CREATE SEQUENCE s START WITH 1 INCREMENT BY 1 CACHE 1;"),
    case("statement-not-analysed", "postgres", "CREATE TABLE t (id int) ${options} PARTITION BY HASH (id);", "CREATE TABLE ${schema}.t (id int) PARTITION BY HASH (id);"),
    case("statement-not-analysed", "mysql", "CREATE TABLE t (id INT) ENGINE=InnoDB /*!50100 PARTITION BY HASH (id) */ PARTITIONS 4;", "CREATE TABLE t (id BIGINT /*! UNSIGNED */ NOT NULL);"),
    case("require-concurrent-index", "postgres", "CREATE INDEX i ON users (email);", "CREATE INDEX CONCURRENTLY i ON users (email);"),
    case("require-concurrent-index", "postgres", "CREATE INDEX i ON orders (status);", "CREATE TABLE t (a int); CREATE INDEX i ON t (a);"),
    // The swap idiom: the index is built on the new table before it takes the old one's name.
    case("require-concurrent-index", "postgres", "CREATE TABLE orders_new (id bigint); DROP TABLE orders; ALTER TABLE orders_new RENAME TO orders; CREATE INDEX i ON users (email);", "CREATE TABLE orders_new (id bigint); DROP TABLE orders; ALTER TABLE orders_new RENAME TO orders; CREATE INDEX i ON orders (id);"),
    case("require-concurrent-index-drop", "postgres", "DROP INDEX orders_user_idx;", "DROP INDEX CONCURRENTLY orders_user_idx;"),
    case("concurrently-in-transaction", "postgres", "SET lock_timeout = '1s';\nCREATE INDEX CONCURRENTLY i ON users (email);", "CREATE INDEX CONCURRENTLY i ON users (email);"),
    // PostgreSQLParser runs only `REINDEX [VERBOSE] SCHEMA|DATABASE|SYSTEM` outside a transaction.
    case("concurrently-in-transaction", "postgres", "REINDEX TABLE CONCURRENTLY users;", "-- flyway:executeInTransaction=false\nREINDEX TABLE CONCURRENTLY users;"),
    case("concurrently-in-transaction", "postgres", "REINDEX (VERBOSE) SCHEMA public;", "REINDEX SCHEMA public;"),
    case("add-column-not-null-without-default", "postgres", "ALTER TABLE users ADD COLUMN a int NOT NULL;", "ALTER TABLE users ADD COLUMN a int NOT NULL DEFAULT 0;"),
    // MySQL fills numbers and strings with 0 and '' (documented, nothing at risk: zstack ran 37
    // of these); only the zero date is at risk.
    case("add-column-not-null-without-default", "mysql", "ALTER TABLE users ADD COLUMN a DATETIME NOT NULL;", "ALTER TABLE users ADD COLUMN a INT NOT NULL;"),
    // Backfilled by the same migration (from the hawkbit corpus review): not flagged on MySQL...
    case("add-column-not-null-without-default", "mysql", "ALTER TABLE users ADD COLUMN a DATETIME NOT NULL;\nUPDATE users SET b = 1;", "ALTER TABLE users ADD COLUMN a DATETIME NOT NULL;\nUPDATE users AS u SET u.a = u.id;"),
    // ...with the table back-quoted and the column in another case: the same names to MySQL.
    case("add-column-not-null-without-default", "mysql", "ALTER TABLE users ADD COLUMN a DATE NOT NULL;\nUPDATE `orders` SET `A` = NOW();", "ALTER TABLE users ADD COLUMN a DATE NOT NULL;\nUPDATE `users` SET `A` = NOW();"),
    // ...but on PostgreSQL the ADD COLUMN itself fails first.
    case("add-column-not-null-without-default", "postgres", "ALTER TABLE users ADD COLUMN a int NOT NULL;\nUPDATE users SET a = 1;", "ALTER TABLE users ADD COLUMN a int;\nUPDATE users SET a = 1;"),
    case("volatile-default", "postgres", "ALTER TABLE users ADD COLUMN t uuid DEFAULT gen_random_uuid();", "ALTER TABLE users ADD COLUMN t timestamptz DEFAULT now();"),
    case("set-not-null", "postgres", "ALTER TABLE users ALTER COLUMN email SET NOT NULL;", "ALTER TABLE users ALTER COLUMN email DROP NOT NULL;"),
    case("constraint-without-not-valid", "postgres", "ALTER TABLE orders ADD CONSTRAINT fk FOREIGN KEY (user_id) REFERENCES users (id);", "ALTER TABLE orders ADD CONSTRAINT fk FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID;"),
    case("unique-constraint-builds-index", "postgres", "ALTER TABLE users ADD CONSTRAINT u UNIQUE (email);", "ALTER TABLE users ADD CONSTRAINT u UNIQUE USING INDEX users_email_idx;"),
    case("change-column-type", "postgres", "ALTER TABLE orders ALTER COLUMN total TYPE numeric(14, 2);", "ALTER TABLE orders ALTER COLUMN status TYPE text;"),
    case("change-column-type", "postgres", "ALTER TABLE notes ALTER COLUMN body TYPE character varying(100);", "ALTER TABLE notes ALTER COLUMN body TYPE character varying(400);"),
    // To text: free from varchar, a rewrite from a type PostgreSQL converts (checked on a real
    // server: char(n) -> text changes the table's file, varchar -> text does not).
    case("change-column-type", "postgres", "ALTER TABLE orders ALTER COLUMN user_id TYPE text;", "ALTER TABLE notes ALTER COLUMN body TYPE text;"),
    case("change-column-type", "postgres", "ALTER TABLE users ALTER COLUMN id TYPE TEXT;", "ALTER TABLE orders ALTER COLUMN status TYPE varchar;"),
    case("rename-column", "postgres", "ALTER TABLE users RENAME COLUMN name TO full_name;", "ALTER TABLE users ADD COLUMN full_name text;"),
    // The swap idiom: the renamed column was added by this migration.
    case("rename-column", "postgres", "ALTER TABLE users ADD COLUMN name_new text; ALTER TABLE users RENAME COLUMN name TO old_name;", "ALTER TABLE users ADD COLUMN name_new text; ALTER TABLE users DROP COLUMN name; ALTER TABLE users RENAME COLUMN name_new TO name;"),
    case("rename-column", "mysql", "ALTER TABLE users ADD COLUMN name_new TEXT; ALTER TABLE users CHANGE name old_name TEXT;", "ALTER TABLE users ADD COLUMN name_new TEXT; ALTER TABLE users DROP COLUMN name; ALTER TABLE users CHANGE `Name_New` name TEXT;"),
    case("rename-column", "mysql", "ALTER TABLE users CHANGE name full_name TEXT;", "ALTER TABLE users MODIFY name TEXT;"),
    case("rename-column", "mysql", "ALTER TABLE users CHANGE `name` `full_name` TEXT;", "ALTER TABLE users CHANGE `name` `Name` TEXT;"),
    case("rename-table", "postgres", "ALTER TABLE users RENAME TO accounts;", "CREATE TABLE t (a int); ALTER TABLE t RENAME TO t2;"),
    case("rename-table", "mysql", "RENAME TABLE users TO accounts;", "CREATE TABLE t (a INT) ENGINE=InnoDB; RENAME TABLE t TO t2;"),
    case("drop-column", "postgres", "ALTER TABLE users DROP COLUMN name;", "ALTER TABLE users ADD COLUMN x int;"),
    case("drop-table", "mysql", "DROP TABLE orders;", "CREATE TABLE tmp (a INT); DROP TABLE tmp;"),
    // The re-create idiom (zstack V2.1.0 AlertVO), and a table no migration created.
    case("drop-table", "mysql", "DROP TABLE IF EXISTS orders;\nCREATE TABLE orders_v2 (a INT) ENGINE=InnoDB;", "DROP TABLE IF EXISTS Orders;\nCREATE TABLE `orders` (a INT) ENGINE=InnoDB;"),
    case("drop-table", "postgres", "DROP TABLE IF EXISTS orders;", "DROP TABLE IF EXISTS never_created;"),
    case("drop-database", "postgres", "DROP SCHEMA reporting CASCADE;", "CREATE SCHEMA reporting;"),
    case("truncate-table", "postgres", "TRUNCATE orders;", "DELETE FROM orders WHERE id = 1;"),
    // PostgreSQL lock and rewrite rules of issue #18.
    case("drop-not-null", "postgres", "ALTER TABLE users ALTER COLUMN email DROP NOT NULL;", "CREATE TABLE t (a int NOT NULL); ALTER TABLE t ALTER COLUMN a DROP NOT NULL;"),
    case("drop-constraint", "postgres", "ALTER TABLE users DROP CONSTRAINT users_pkey;", "CREATE TABLE t (a int, CONSTRAINT c CHECK (a > 0)); ALTER TABLE t DROP CONSTRAINT c;"),
    case("drop-object", "postgres", "DROP VIEW IF EXISTS active_users;", "CREATE VIEW v AS SELECT 1 AS a; DROP VIEW v;"),
    case("drop-object", "postgres", "DROP FUNCTION app.f(int);", "CREATE OR REPLACE FUNCTION f(a int) RETURNS int LANGUAGE sql AS 'SELECT a'; DROP FUNCTION f(int);"),
    case("drop-object", "postgres", "DROP TYPE mood;", "DROP TABLE orders;"),
    case("rename-enum-value", "postgres", "ALTER TYPE mood RENAME VALUE 'ok' TO 'fine';", "ALTER TYPE mood ADD VALUE 'fine';"),
    case("require-statement-timeout", "postgres", "SET lock_timeout = '5s';\nALTER TABLE users ADD COLUMN x int;", "SET statement_timeout = '60s';\nALTER TABLE users ADD COLUMN x int;"),
    // The index may come later in the migration, or begin with one column of a composite key.
    case("foreign-key-without-index", "postgres", "CREATE TABLE lines (id bigint PRIMARY KEY, order_id bigint REFERENCES orders (id));", "CREATE TABLE lines (id bigint PRIMARY KEY, order_id bigint REFERENCES orders (id));\nCREATE INDEX ON lines (order_id);"),
    case("foreign-key-without-index", "postgres", "ALTER TABLE notes ADD COLUMN user_id bigint REFERENCES users (id);", "ALTER TABLE orders ADD CONSTRAINT fk FOREIGN KEY (user_id) REFERENCES users (id);"),
    case("foreign-key-without-index", "postgres", "CREATE TABLE l (a bigint, b bigint, UNIQUE (b, a), FOREIGN KEY (a) REFERENCES users (id));", "CREATE TABLE l (a bigint, b bigint, PRIMARY KEY (b, a), FOREIGN KEY (a, b) REFERENCES users (id, id));"),
    // An unnamed index made by an earlier statement is in the catalog, as its table's.
    case("foreign-key-without-index", "postgres", "CREATE TABLE t (a bigint);\nCREATE INDEX ON t (id);\nALTER TABLE t ADD FOREIGN KEY (a) REFERENCES users (id);", "CREATE TABLE t (a bigint);\nCREATE INDEX ON t (a);\nALTER TABLE t ADD FOREIGN KEY (a) REFERENCES users (id);"),
    // A domain made by the migration has no columns yet; a qualified name and NOT VALID.
    case("domain-check-without-not-valid", "postgres", "ALTER DOMAIN app.amount ADD CONSTRAINT positive CHECK (VALUE > 0);", "ALTER DOMAIN app.amount ADD CONSTRAINT positive CHECK (VALUE > 0) NOT VALID;"),
    case("domain-check-without-not-valid", "postgres", "CREATE DOMAIN amount AS numeric;\nALTER DOMAIN other ADD CHECK (VALUE > 0);", "CREATE DOMAIN amount AS numeric CHECK (VALUE >= 0);\nALTER DOMAIN amount ADD CHECK (VALUE > 0);"),
    // AFTER the last value the migration shows is at the end; AFTER a value it does not show may be.
    case("enum-value-not-last", "postgres", "ALTER TYPE mood ADD VALUE IF NOT EXISTS 'meh' BEFORE 'ok';", "ALTER TYPE mood ADD VALUE 'meh' AFTER 'ok';"),
    case("enum-value-not-last", "postgres", "CREATE TYPE s AS ENUM ('new', 'sent');\nALTER TYPE s ADD VALUE 'packed' AFTER 'new';", "CREATE TYPE s AS ENUM ('new', 'sent');\nALTER TYPE s ADD VALUE 'packed';\nALTER TYPE s ADD VALUE 'done' AFTER 'packed';"),
    // Merged: one pass; a column added then changed, or a statement between, keeps them apart.
    case("multiple-alter-table", "postgres", "ALTER TABLE orders ALTER COLUMN user_id SET NOT NULL;\nALTER TABLE orders ADD CONSTRAINT c CHECK (total > 0);", "ALTER TABLE orders ALTER COLUMN user_id SET NOT NULL, ADD CONSTRAINT c CHECK (total > 0);"),
    case("multiple-alter-table", "postgres", "ALTER TABLE orders ALTER COLUMN total TYPE bigint;\nALTER TABLE orders ALTER COLUMN status SET NOT NULL;", "ALTER TABLE orders ALTER COLUMN total TYPE bigint;\nUPDATE orders SET status = 'new' WHERE status IS NULL;\nALTER TABLE orders ALTER COLUMN status SET NOT NULL;"),
    case("multiple-alter-table", "postgres", "ALTER TABLE orders ADD COLUMN n int GENERATED ALWAYS AS IDENTITY;\nALTER TABLE orders ALTER COLUMN status SET NOT NULL;", "ALTER TABLE orders ADD COLUMN n int GENERATED ALWAYS AS IDENTITY;\nALTER TABLE orders ALTER COLUMN n SET NOT NULL;"),
    case("change-column-type", "postgres", "ALTER TABLE notes ALTER COLUMN body TYPE character varying(100);", "ALTER TABLE notes ALTER COLUMN body TYPE varchar;"),
    case("exclude-constraint", "postgres", "ALTER TABLE orders ADD CONSTRAINT one_status EXCLUDE USING gist (user_id WITH =);", "CREATE TABLE b (room int, EXCLUDE USING gist (room WITH =)); ALTER TABLE b ADD EXCLUDE USING gist (room WITH =);"),
    case("add-column-rewrite", "postgres", "ALTER TABLE orders ADD COLUMN seq bigserial;", "CREATE TABLE t (a int); ALTER TABLE t ADD COLUMN seq bigserial;"),
    case("add-column-rewrite", "postgres", "ALTER TABLE orders ADD COLUMN n int GENERATED ALWAYS AS IDENTITY;", "ALTER TABLE orders ADD COLUMN n int;"),
    case("add-column-rewrite", "postgres", "ALTER TABLE orders ADD COLUMN note text, ADD COLUMN double numeric GENERATED ALWAYS AS (total * 2) STORED;", "ALTER TABLE orders ADD COLUMN note text DEFAULT 'stored';"),
    case("add-column-rewrite", "postgres", "ALTER TABLE orders ADD COLUMN IF NOT EXISTS \"Id\" SERIAL PRIMARY KEY;", "ALTER TABLE orders ADD COLUMN id_copy bigint;"),
    case("require-concurrent-reindex", "postgres", "REINDEX INDEX orders_user_idx;", "REINDEX INDEX CONCURRENTLY orders_user_idx;"),
    case("require-concurrent-reindex", "postgres", "REINDEX (VERBOSE) TABLE orders;", "CREATE TABLE t (a int); CREATE INDEX t_a ON t (a); REINDEX INDEX t_a; REINDEX TABLE t;"),
    Case {
        rule: "require-concurrent-reindex",
        dialect: "postgres",
        settings: "server-version = \"12\"",
        flagged: "REINDEX SCHEMA public;",
        safe: "REINDEX SYSTEM app;",
        undo_of: None,
    },
    case("require-concurrent-detach-partition", "postgres", "ALTER TABLE orders DETACH PARTITION orders_2019;", "ALTER TABLE orders DETACH PARTITION orders_2019 CONCURRENTLY;"),
    case("require-concurrent-detach-partition", "postgres", "ALTER TABLE orders DETACH PARTITION orders_2019;", "CREATE TABLE ev (a int) PARTITION BY RANGE (a); ALTER TABLE ev DETACH PARTITION ev_1;"),
    case("require-concurrent-refresh", "postgres", "REFRESH MATERIALIZED VIEW order_totals;", "REFRESH MATERIALIZED VIEW CONCURRENTLY order_totals;"),
    case("require-concurrent-refresh", "postgres", "REFRESH MATERIALIZED VIEW app.order_totals WITH DATA;", "CREATE MATERIALIZED VIEW mv AS SELECT 1 AS a; REFRESH MATERIALIZED VIEW mv; REFRESH MATERIALIZED VIEW order_totals WITH NO DATA;"),
    case("vacuum-full", "postgres", "VACUUM FULL orders;", "VACUUM orders;"),
    case("vacuum-full", "postgres", "VACUUM (FULL, ANALYZE) orders;", "VACUUM (FULL false) orders;"),
    case("vacuum-full", "postgres", "VACUUM FULL VERBOSE;", "CREATE TABLE t (a int); VACUUM FULL t;"),
    case("cluster-table", "postgres", "CLUSTER orders USING orders_user_idx;", "ALTER TABLE orders CLUSTER ON orders_user_idx;"),
    case("cluster-table", "postgres", "CLUSTER;", "CREATE TABLE t (a int); CREATE INDEX t_a ON t (a); CLUSTER t USING t_a;"),
    case("cascade", "postgres", "DROP TABLE orders CASCADE;", "DROP TABLE orders;"),
    case("cascade", "postgres", "TRUNCATE users CASCADE;", "TRUNCATE users RESTRICT;"),
    case("cascade", "postgres", "ALTER TABLE users DROP COLUMN name CASCADE;", "ALTER TABLE orders ADD CONSTRAINT fk FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE ON UPDATE CASCADE;"),
    case("cascade", "postgres", "DROP FUNCTION IF EXISTS f() CASCADE;", "DROP SCHEMA reporting CASCADE;"),
    case("identifier-too-long", "postgres", "CREATE INDEX index_orders_on_user_id_and_status_and_total_and_the_id_of_it_ab ON orders (user_id);", "CREATE INDEX index_orders_on_user_id_and_status_and_total_and_the_id_of_it_a ON orders (user_id);"),
    case("identifier-too-long", "postgres", "ALTER TABLE users ADD COLUMN \"éééééééééééééééééééééééééééééééé\" text;", "ALTER TABLE users ADD COLUMN \"éééééééééééééééééééééééééééééééa\" text;"),
    case("identifier-too-long", "postgres", "CREATE TABLE t (a int, CONSTRAINT a_check_constraint_whose_name_is_much_longer_than_sixty_three_bytes CHECK (a > 0));", "CREATE TABLE ${prefix}_a_table_whose_name_is_long_only_before_flyway_replaces_it (a int);"),
    case("require-lock-timeout", "postgres", "ALTER TABLE users ADD COLUMN x int;", "SET lock_timeout = '2s';\nALTER TABLE users ADD COLUMN x int;"),
    // A foreign key from a new table locks the existing table it references.
    case("require-lock-timeout", "postgres", "CREATE TABLE t (a bigint REFERENCES users (id));", "CREATE TABLE t (a bigint PRIMARY KEY);\nCREATE TABLE t2 (b bigint REFERENCES t (a), c bigint, FOREIGN KEY (c) REFERENCES t2 (b));"),
    case("require-lock-timeout", "postgres", "CREATE TABLE t (a bigint);\nALTER TABLE t ADD CONSTRAINT fk FOREIGN KEY (a) REFERENCES orders (id);", "SET LOCAL lock_timeout = '2s';\nCREATE TABLE t (a bigint, FOREIGN KEY (a) REFERENCES orders (id));"),
    case("validate-in-same-migration", "postgres", "ALTER TABLE orders ADD CONSTRAINT c CHECK (total > 0) NOT VALID;\nALTER TABLE orders VALIDATE CONSTRAINT c;", "ALTER TABLE orders VALIDATE CONSTRAINT c;"),
    case("validate-in-same-migration", "postgres", "ALTER TABLE orders ADD CONSTRAINT fk FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID;\nALTER TABLE orders VALIDATE CONSTRAINT fk;", "ALTER TABLE orders ADD CONSTRAINT fk FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID;\nCOMMIT;\nALTER TABLE orders VALIDATE CONSTRAINT fk;"),
    case("validate-in-same-migration", "postgres", "ALTER TABLE orders ADD CONSTRAINT c CHECK (total > 0) NOT VALID;\nALTER TABLE orders VALIDATE CONSTRAINT c;", "-- flyway:executeInTransaction=false\nALTER TABLE orders ADD CONSTRAINT c CHECK (total > 0) NOT VALID;\nALTER TABLE orders VALIDATE CONSTRAINT c;"),
    case("statement-after-exclusive-lock", "postgres", "ALTER TABLE orders ADD COLUMN note text;\nUPDATE orders SET note = '';", "UPDATE users SET name = '';\nALTER TABLE orders ADD COLUMN note text;"),
    case("statement-after-exclusive-lock", "postgres", "ALTER TABLE orders ADD COLUMN note text;\nUPDATE orders SET note = '';", "-- flyway:executeInTransaction=false\nALTER TABLE orders ADD COLUMN note text;\nUPDATE orders SET note = '';"),
    case("statement-after-exclusive-lock", "postgres", "ALTER TABLE orders ADD COLUMN note text;\nUPDATE orders SET note = '';", "ALTER TABLE orders ADD COLUMN note text;\nCOMMIT;\nUPDATE orders SET note = '';"),
    // A table made by the migration holds no rows anyone waits for.
    case("statement-after-exclusive-lock", "postgres", "TRUNCATE orders;\nINSERT INTO orders (id) VALUES (1);", "CREATE TABLE t (a int);\nTRUNCATE t;\nINSERT INTO t VALUES (1);"),
    // LOCK's default mode is ACCESS EXCLUSIVE; VALIDATE and a foreign key take weaker locks.
    case("statement-after-exclusive-lock", "postgres", "LOCK TABLE orders;\nUPDATE orders SET status = 'x';", "LOCK TABLE orders IN SHARE MODE;\nUPDATE orders SET status = 'x';"),
    case("statement-after-exclusive-lock", "postgres", "ALTER TABLE orders ALTER COLUMN status SET NOT NULL;\nUPDATE orders SET status = 'x';", "ALTER TABLE orders ALTER COLUMN status SET STATISTICS 1000;\nUPDATE orders SET status = 'x';"),
    case("statement-after-exclusive-lock", "postgres", "DROP TABLE notes;\nUPDATE orders SET status = 'x';", "ALTER TABLE orders VALIDATE CONSTRAINT c;\nALTER TABLE orders ADD CONSTRAINT fk FOREIGN KEY (user_id) REFERENCES users (id);\nUPDATE orders SET status = 'x';"),
    // A COMMIT with more work after it splits the migration; a trailing one (the deliberate
    // COMMITs of bpdm and hedera-mirror-node) and a BEGIN PostgreSQL ignores risk nothing.
    case("transaction-in-migration", "postgres", "ALTER TABLE users ADD COLUMN x int;\nCOMMIT;\nALTER TABLE users ADD COLUMN y int;", "BEGIN;\nALTER TABLE users ADD COLUMN x int;\nCOMMIT;"),
    case("transaction-in-migration", "postgres", "UPDATE users SET name = 'a';\nCOMMIT;\nUPDATE users SET name = 'b';", "COMMIT;\nUPDATE users SET name = 'b';"),
    case("transaction-in-migration", "postgres", "UPDATE users SET name = 'a';\nROLLBACK;", "SAVEPOINT s;\nUPDATE users SET name = 'a';\nROLLBACK TO SAVEPOINT s;"),
    Case {
        rule: "alter-enum-add-value",
        dialect: "postgres",
        settings: "server-version = \"11\"",
        flagged: "ALTER TYPE mood ADD VALUE 'sad';\nSELECT 1;",
        safe: "ALTER TYPE mood ADD VALUE 'sad';",
        undo_of: None,
    },
    case("mysql-online-ddl", "mysql", "ALTER TABLE users ADD COLUMN x INT;", "ALTER TABLE users ADD COLUMN x INT, ALGORITHM=INSTANT;"),
    case("mysql-online-ddl", "mysql", "CREATE INDEX i ON users (email) ALGORITHM=INPLACE;", "CREATE INDEX i ON users (email) ALGORITHM=INPLACE LOCK=NONE;"),
    case("mysql-copy-algorithm", "mysql", "ALTER TABLE users MODIFY email VARCHAR(100);", "ALTER TABLE users MODIFY email VARCHAR(60);"),
    // VARCHAR(40) -> VARCHAR(64) crosses 255 bytes in utf8mb4, not in the table's own utf8.
    case("mysql-copy-algorithm", "mysql", "ALTER TABLE users MODIFY email VARCHAR(64);", "ALTER TABLE legacy MODIFY code VARCHAR(64);"),
    // Display width and ENUM members appended at the end: metadata / INSTANT, not COPY.
    case("mysql-copy-algorithm", "mysql", "ALTER TABLE users MODIFY id INT NOT NULL AUTO_INCREMENT;", "ALTER TABLE users MODIFY id BIGINT(20) NOT NULL AUTO_INCREMENT;"),
    // ENUM changes are mysql-enum-change's, not reported twice.
    case("mysql-copy-algorithm", "mysql", "ALTER TABLE orders ADD CONSTRAINT c CHECK (total >= 0);", "ALTER TABLE shipments MODIFY state ENUM('lost', 'new', 'sent');"),
    case("mysql-copy-algorithm", "mysql", "ALTER TABLE orders ADD CONSTRAINT c CHECK (total >= 0);", "ALTER TABLE orders ADD CONSTRAINT c CHECK (total >= 0) NOT ENFORCED;"),
    // MySQL before 8.0.16 parses a CHECK and ignores it: nothing to validate.
    Case {
        rule: "mysql-copy-algorithm",
        dialect: "mysql",
        settings: "server-version = \"8.0.15\"",
        flagged: "ALTER TABLE users MODIFY email VARCHAR(100);",
        safe: "ALTER TABLE orders ADD CONSTRAINT c CHECK (total >= 0);",
        undo_of: None,
    },
    // MySQL/MariaDB rules of issue 18.
    case("mysql-enum-change", "mysql", "ALTER TABLE shipments MODIFY state ENUM('lost', 'new', 'sent');", "ALTER TABLE shipments MODIFY state ENUM('new', 'sent', 'lost');"),
    case("mysql-enum-change", "mysql", "ALTER TABLE shipments MODIFY state ENUM('new');", "ALTER TABLE shipments MODIFY state ENUM('new','sent') NOT NULL;"),
    case("mysql-enum-change", "mysql", "ALTER TABLE shipments CHANGE state state ENUM('sent', 'new');", "CREATE TABLE s2 (state ENUM('new', 'sent')) ENGINE=InnoDB;\nALTER TABLE s2 MODIFY state ENUM('sent', 'new');"),
    case("mysql-enum-change", "mysql", "ALTER TABLE shipments MODIFY state ENUM('new', 'lost', 'sent');", "ALTER TABLE shipments MODIFY state VARCHAR(10);"),
    case("mysql-enum-change", "mysql", "ALTER TABLE shipments ADD COLUMN flags SET('a', 'b');\nALTER TABLE shipments MODIFY flags SET('b', 'a');", "ALTER TABLE shipments ADD COLUMN flags SET('a', 'b');\nALTER TABLE shipments MODIFY flags SET('a', 'b', 'c');"),
    case("mysql-table-rebuild", "mysql", "ALTER TABLE users ENGINE=InnoDB;", "CREATE TABLE t (a INT) ENGINE=MyISAM;\nALTER TABLE t ENGINE=InnoDB;"),
    case("mysql-table-rebuild", "mysql", "ALTER TABLE orders ADD COLUMN total2 DECIMAL(12, 2) GENERATED ALWAYS AS (total * 2) STORED;", "ALTER TABLE orders ADD COLUMN total2 DECIMAL(12, 2) GENERATED ALWAYS AS (total * 2) VIRTUAL;"),
    case("mysql-table-rebuild", "mysql", "ALTER TABLE legacy ADD COLUMN seq INT NOT NULL AUTO_INCREMENT, ADD UNIQUE KEY (seq);", "ALTER TABLE legacy ADD COLUMN seq INT NOT NULL DEFAULT 0;"),
    case("mysql-table-rebuild", "mysql", "ALTER TABLE orders DROP PRIMARY KEY, ADD PRIMARY KEY (id, user_id);", "ALTER TABLE orders ADD KEY k_user (user_id, id);"),
    case("mysql-table-rebuild", "mysql", "ALTER TABLE orders PARTITION BY HASH (id) PARTITIONS 4;", "ALTER TABLE orders COMMENT = 'partition by customer later';"),
    case("mysql-column-references", "mysql", "CREATE TABLE payment (id BIGINT PRIMARY KEY, user_id BIGINT REFERENCES users (id)) ENGINE=InnoDB;", "CREATE TABLE payment (id BIGINT PRIMARY KEY, user_id BIGINT, FOREIGN KEY (user_id) REFERENCES users (id)) ENGINE=InnoDB;"),
    case("mysql-column-references", "mysql", "ALTER TABLE orders ADD COLUMN payer_id BIGINT REFERENCES users (id);", "ALTER TABLE orders ADD COLUMN payer_id BIGINT, ADD FOREIGN KEY (payer_id) REFERENCES users (id);"),
    // MariaDB 10.5+ and MySQL 9.0+ create the foreign key.
    Case {
        rule: "mysql-column-references",
        dialect: "mariadb",
        settings: "server-version = \"10.4\"",
        flagged: "CREATE TABLE payment (id BIGINT PRIMARY KEY, user_id BIGINT REFERENCES users (id)) ENGINE=InnoDB;",
        safe: "CREATE TABLE payment (id BIGINT PRIMARY KEY, user_id BIGINT, FOREIGN KEY (user_id) REFERENCES users (id)) ENGINE=InnoDB;",
        undo_of: None,
    },
    case("mysql-blocking-lock", "mysql", "CREATE INDEX i ON users (email) LOCK=SHARED;", "CREATE INDEX i ON users (email) LOCK=NONE;"),
    case("mysql-blocking-lock", "mysql", "ALTER TABLE users ADD COLUMN x INT, LOCK=EXCLUSIVE;", "CREATE TABLE t (a INT) ENGINE=InnoDB;\nALTER TABLE t ADD COLUMN x INT, LOCK=EXCLUSIVE;"),
    // sqlparser refuses CONVERT TO CHARACTER SET: the key-word fallback reads the LOCK clause.
    case("mysql-blocking-lock", "mysql", "ALTER TABLE users CONVERT TO CHARACTER SET utf8mb4, LOCK=SHARED;", "ALTER TABLE users CONVERT TO CHARACTER SET utf8mb4, LOCK=DEFAULT;"),
    Case {
        rule: "mysql-add-column-rebuild",
        dialect: "mysql",
        settings: "server-version = \"8.0.25\"",
        flagged: "ALTER TABLE users ADD COLUMN x INT AFTER email;",
        safe: "ALTER TABLE users ADD COLUMN x INT;",
        undo_of: None,
    },
    Case {
        rule: "mysql-add-column-rebuild",
        dialect: "mysql",
        settings: "server-version = \"5.7\"",
        flagged: "ALTER TABLE users ADD COLUMN x INT;",
        safe: "CREATE TABLE t (a INT) ENGINE=InnoDB;\nALTER TABLE t ADD COLUMN x INT FIRST;",
        undo_of: None,
    },
    Case {
        rule: "mysql-add-column-rebuild",
        dialect: "mariadb",
        settings: "server-version = \"10.3\"",
        flagged: "ALTER TABLE users ADD COLUMN x INT FIRST;",
        safe: "ALTER TABLE users ADD COLUMN x INT;",
        undo_of: None,
    },
    case("mysql-add-unique", "mysql", "ALTER TABLE users ADD UNIQUE KEY uk_email (email);", "CREATE TABLE t (a INT) ENGINE=InnoDB;\nALTER TABLE t ADD UNIQUE KEY uk_a (a);"),
    case("mysql-add-unique", "mysql", "CREATE UNIQUE INDEX uk_email ON users (email);", "CREATE INDEX k_email ON users (email);"),
    case("mixed-ddl-dml", "mysql", "ALTER TABLE users ADD COLUMN x INT;\nUPDATE users SET x = 1;", "CREATE TABLE t (a INT) ENGINE=InnoDB;\nINSERT INTO t VALUES (1);"),
    case("mysql-copy-algorithm", "mysql", "ALTER TABLE orders ADD CONSTRAINT fk FOREIGN KEY (user_id) REFERENCES users (id);", "SET foreign_key_checks = 0;\nALTER TABLE orders ADD CONSTRAINT fk FOREIGN KEY (user_id) REFERENCES users (id);"),
    // A table this migration created (back-quoted, then named plainly): empty, nothing to copy.
    case("mysql-copy-algorithm", "mysql", "CREATE TABLE `Ship` (id BIGINT, user_id BIGINT) ENGINE=InnoDB;\nALTER TABLE orders ADD CONSTRAINT fk2 FOREIGN KEY (user_id) REFERENCES users (id);", "CREATE TABLE `Ship` (id BIGINT, user_id BIGINT) ENGINE=InnoDB;\nALTER TABLE Ship ADD CONSTRAINT fk2 FOREIGN KEY (user_id) REFERENCES users (id);"),
    case("mysql-ddl-in-transaction", "mysql", "START TRANSACTION;\nALTER TABLE users ADD COLUMN x INT;\nCOMMIT;", "ALTER TABLE users ADD COLUMN x INT;"),
    case("mysql-table-options", "mysql", "CREATE TABLE t (a INT);", "CREATE TABLE t (a INT) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;"),
    case("mixed-ddl-dml", "postgres", "ALTER TABLE users ADD COLUMN x int;\nUPDATE users SET x = 1;", "CREATE TABLE t (a int);\nINSERT INTO t VALUES (1);"),
    case("multiple-tables", "mysql", "ALTER TABLE users ADD COLUMN x INT;\nALTER TABLE orders ADD COLUMN y INT;", "ALTER TABLE users ADD COLUMN x INT;\nALTER TABLE users ADD COLUMN y INT;"),
    case("multiple-tables", "mysql", "ALTER TABLE `users` ADD COLUMN x INT;\nALTER TABLE `orders` ADD COLUMN y INT;", "ALTER TABLE `Users` ADD COLUMN x INT;\nALTER TABLE users ADD COLUMN y INT;"),
    case("require-if-not-exists", "postgres", "CREATE TABLE t (a int);", "CREATE TABLE IF NOT EXISTS t (a int);"),
    Case {
        rule: "undo-drop-without-if-exists",
        dialect: "postgres",
        settings: "",
        flagged: "DROP TABLE t;",
        safe: "DROP TABLE IF EXISTS t;",
        undo_of: Some("CREATE TABLE t (a int);"),
    },
    // MySQL has no IF EXISTS for DROP COLUMN / DROP INDEX: nothing to advise there.
    Case {
        rule: "undo-drop-without-if-exists",
        dialect: "mysql",
        settings: "",
        flagged: "DROP TABLE t;\nALTER TABLE users DROP COLUMN x;",
        safe: "DROP TABLE IF EXISTS t;\nALTER TABLE users DROP COLUMN x;\nDROP INDEX t_a ON users;",
        undo_of: Some("CREATE TABLE t (a INT);\nALTER TABLE users ADD COLUMN x INT;\nCREATE INDEX t_a ON users (x);"),
    },
    Case {
        rule: "undo-incomplete",
        dialect: "mysql",
        settings: "",
        flagged: "DROP TABLE IF EXISTS t;",
        safe: "DROP TABLE IF EXISTS t;\nALTER TABLE users DROP COLUMN x;",
        undo_of: Some("CREATE TABLE t (a INT);\nALTER TABLE users ADD COLUMN x INT;"),
    },
    Case {
        rule: "undo-incomplete",
        dialect: "postgres",
        settings: "",
        flagged: "DROP TABLE IF EXISTS t;",
        safe: "-- t existed before this migration (CREATE TABLE IF NOT EXISTS): nothing to undo\nALTER TABLE users DROP COLUMN IF EXISTS x;",
        undo_of: Some("CREATE TABLE IF NOT EXISTS t (a int);\nCREATE INDEX IF NOT EXISTS t_a ON t (a);\nALTER TABLE users ADD COLUMN x int;"),
    },
    Case {
        rule: "undo-todo",
        dialect: "postgres",
        settings: "",
        flagged: "-- TODO flyway-lsp: cannot reverse automatically: UPDATE t SET a = 1;\nDROP TABLE IF EXISTS t;",
        safe: "-- nothing else to undo\nDROP TABLE IF EXISTS t;",
        undo_of: Some("CREATE TABLE t (a int);\nUPDATE t SET a = 1;"),
    },
    case("unknown-table", "postgres", "DROP TABLE orders;\nALTER TABLE orders ADD COLUMN x int;", "ALTER TABLE users ADD COLUMN x int;"),
    case("unknown-table", "postgres", "ALTER TABLE users RENAME TO members;\nINSERT INTO users (id) VALUES (1);", "ALTER TABLE users RENAME TO members;\nINSERT INTO members (id) VALUES (1);"),
    // The schema before the set is unknown: a table no migration creates existed before it.
    case("unknown-table", "mysql", "DROP TABLE inherited;\nUPDATE inherited SET a = 1;", "UPDATE inherited SET a = 1;"),
    // Dynamic code leaves uncertain only what it names; the rest of the folder is still checked.
    case("unknown-table", "postgres", "CREATE FUNCTION f() RETURNS void AS $$ BEGIN EXECUTE 'CREATE TABLE made (id int)'; END $$ LANGUAGE plpgsql;\nDROP TABLE orders;\nALTER TABLE orders ADD COLUMN x int;", "DROP TABLE IF EXISTS made;\nCREATE FUNCTION f() RETURNS void AS $$ BEGIN EXECUTE 'CREATE TABLE made (id int)'; END $$ LANGUAGE plpgsql;\nSELECT f();\nALTER TABLE made ADD COLUMN x int;"),
    // MySQL names ignore case and quoting (zstack: `zstack`.`VmInstanceEO` then VmInstanceEO).
    case("unknown-table", "mysql", "DROP TABLE `Orders`;\nALTER TABLE `orders` ADD COLUMN x INT;", "ALTER TABLE `Users` ADD COLUMN x INT;"),
    case("unknown-table", "mysql", "DROP TABLE IF EXISTS o1;\nDELETE FROM o1 WHERE id = 1;", "DROP TABLE IF EXISTS o1;\nDELETE o1 FROM orders o1 JOIN orders o2 ON o1.id < o2.id;"),
    case("unknown-column", "mysql", "ALTER TABLE users DROP COLUMN nope;", "ALTER TABLE users DROP COLUMN name;"),
    case("unknown-column", "mysql", "ALTER TABLE users CHANGE `Nope` `nope` TEXT;", "ALTER TABLE Users CHANGE `Name` `name` TEXT;"),
    case("unknown-column", "mysql", "ALTER TABLE users ADD COLUMN `Extra` INT, DROP COLUMN `other`;", "ALTER TABLE users ADD COLUMN `Extra` INT, DROP COLUMN `extra`;"),
    case("unknown-index", "mysql", "DROP INDEX orders_usr_idx ON orders;", "DROP INDEX orders_user_idx ON orders;"),
    case("unknown-index", "mysql", "DROP INDEX Orders_Usr_Idx ON orders;", "DROP INDEX Orders_User_Idx ON orders;"),
    case("unknown-index", "mysql", "CREATE TABLE t (a INT, UNIQUE KEY uk_a (a)) ENGINE=InnoDB;\nALTER TABLE t DROP INDEX uk_b;", "CREATE TABLE t (a INT, UNIQUE KEY uk_a (a)) ENGINE=InnoDB;\nALTER TABLE t DROP INDEX UK_A;"),
    // Once a table from before the set is used, its indexes are unknown too.
    case("unknown-index", "mysql", "DROP INDEX orders_user_idx ON orders;\nDROP INDEX orders_user_idx ON orders;", "ALTER TABLE inherited ADD COLUMN a INT;\nDROP INDEX inherited_idx ON inherited;"),
    case("unknown-index", "mysql", "DROP INDEX orders_usr_idx ON orders;", "DROP INDEX inherited_idx ON inherited;"),
    case("unknown-index", "postgres", "DROP INDEX CONCURRENTLY orders_usr_idx;", "DROP INDEX CONCURRENTLY IF EXISTS orders_usr_idx;"),
    case("duplicate-object", "postgres", "CREATE TABLE users (id int);", "CREATE TABLE IF NOT EXISTS users (id int);"),
    case("duplicate-object", "postgres", "DO $$ BEGIN EXECUTE 'DROP TABLE orders'; END $$;\nCREATE TABLE users (id int);", "DO $$ BEGIN EXECUTE 'DROP TABLE users'; END $$;\nCREATE TABLE users (id int);"),
    case("duplicate-object", "mysql", "CREATE INDEX orders_user_idx ON orders (user_id);", "CREATE INDEX orders_user_idx2 ON orders (user_id);"),
    // A PostgreSQL foreign key is a constraint, not an index: an index may take its name (a
    // UNIQUE constraint is an index).
    case("duplicate-object", "postgres", "ALTER TABLE orders ADD CONSTRAINT orders_user_uq UNIQUE (user_id);\nCREATE INDEX orders_user_uq ON orders (user_id);", "ALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id);\nCREATE INDEX orders_user_fk ON orders (user_id);"),
    // zstack V2.1.0: the table V1.7 made as `zstack`.`AlertVO`, dropped as AlertVO, made again.
    case("duplicate-object", "mysql", "CREATE TABLE `Users` (id INT) ENGINE=InnoDB;", "DROP TABLE IF EXISTS Users;\nCREATE TABLE `users` (id INT) ENGINE=InnoDB;"),
    case("prefer-timestamptz", "postgres", "CREATE TABLE t (a timestamp);", "CREATE TABLE t (a timestamptz);"),
    case("prefer-bigint-key", "mysql", "CREATE TABLE t (id INT NOT NULL AUTO_INCREMENT, PRIMARY KEY (id));", "CREATE TABLE t (id BIGINT NOT NULL AUTO_INCREMENT, PRIMARY KEY (id));"),
    case("prefer-text", "postgres", "CREATE TABLE t (a varchar(10));", "CREATE TABLE t (a text);"),
    case("invalid-suppression", "postgres", "-- flyway-lsp-ignore drop-tabel\nSELECT 1;", "-- flyway-lsp-ignore drop-table\nSELECT 1;"),
    case("ban-char", "postgres", "CREATE TABLE t (a char(2));", "CREATE TABLE t (a varchar(2));"),
];

/// Rules found in the second migration (or its undo) of a project built for `case`.
fn rules_found(case: &Case, sql: &str) -> Vec<String> {
    let dir = tempfile::tempdir().unwrap();
    let sql_dir = dir.path().join("sql");
    fs::create_dir(&sql_dir).unwrap();
    let base = if case.dialect != "postgres" {
        MYSQL_BASE
    } else {
        PG_BASE
    };
    fs::write(sql_dir.join("V1__base.sql"), base).unwrap();
    let target = match case.undo_of {
        Some(versioned) => {
            fs::write(sql_dir.join("V2__change.sql"), versioned).unwrap();
            fs::write(sql_dir.join("U2__change.sql"), sql).unwrap();
            "U2__change.sql"
        }
        None => {
            fs::write(sql_dir.join("V2__change.sql"), sql).unwrap();
            "V2__change.sql"
        }
    };
    // Switch the rule on, whatever its default.
    fs::write(
        dir.path().join("flyway-lsp.toml"),
        format!(
            "dialect = \"{}\"\n{}\n[rules]\n{} = \"warning\"\n",
            case.dialect, case.settings, case.rule
        ),
    )
    .unwrap();
    let reports = check_path(dir.path(), &LoadOptions::default()).unwrap();
    let found: Vec<&crate::diagnostic::Diagnostic> = reports
        .iter()
        .flat_map(|r| r.diagnostics.iter())
        .filter(|d| d.path.ends_with(target))
        .collect();
    // The case's rule underlines a part of one statement (its clause, else its first line).
    let dialect = if case.dialect == "postgres" {
        crate::sql::Dialect::Postgres
    } else {
        crate::sql::Dialect::MySql
    };
    let statements = crate::sql::analysis::analyze(sql, dialect, None).statements;
    for d in found.iter().filter(|d| d.rule == case.rule) {
        assert!(
            d.range.start < d.range.end
                && statements
                    .iter()
                    .any(|s| { s.range().start <= d.range.start && d.range.end <= s.range().end })
                || NOT_ON_A_STATEMENT.contains(&case.rule),
            "{} underlines {:?} of {sql:?}, not a part of one statement",
            case.rule,
            sql.get(d.range.start..d.range.end)
        );
    }
    found.iter().map(|d| d.rule.to_string()).collect()
}

#[test]
fn every_rule_flags_its_case_and_passes_the_safe_variant() {
    let mut failures = Vec::new();
    for case in CASES {
        let flagged = rules_found(case, case.flagged);
        if !flagged.iter().any(|r| r == case.rule) {
            failures.push(format!(
                "{} ({}) missed: {:?} gave {flagged:?}",
                case.rule, case.dialect, case.flagged
            ));
        }
        let safe = rules_found(case, case.safe);
        if safe.iter().any(|r| r == case.rule) {
            failures.push(format!(
                "{} ({}) flagged the safe variant: {:?}",
                case.rule, case.dialect, case.safe
            ));
        }
        if safe.iter().any(|r| r == "syntax-error")
            || (case.rule != "syntax-error" && flagged.iter().any(|r| r == "syntax-error"))
        {
            failures.push(format!(
                "{} ({}): a case does not parse",
                case.rule, case.dialect
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// MariaDB 10.5 and MySQL 9.0 create the foreign key of a column-level REFERENCES.
#[test]
fn column_references_are_honoured_from_mariadb_10_5_and_mysql_9() {
    let sql = "CREATE TABLE payment (id BIGINT PRIMARY KEY, user_id BIGINT REFERENCES users (id)) ENGINE=InnoDB;";
    for (dialect, settings, flagged) in [
        ("mariadb", "server-version = \"10.5\"", false),
        ("mariadb", "server-version = \"10.4.30\"", true),
        ("mysql", "server-version = \"9.0\"", false),
        ("mysql", "server-version = \"8.4\"", true),
    ] {
        let case = Case {
            settings,
            ..case("mysql-column-references", dialect, sql, "")
        };
        let found = rules_found(&case, sql);
        assert_eq!(
            found.iter().any(|r| r == case.rule),
            flagged,
            "{dialect} {settings}: {found:?}"
        );
    }
}

#[test]
fn every_sql_rule_has_a_case() {
    for (rule, _) in super::CHECKS {
        assert!(
            CASES.iter().any(|c| c.rule == rule.id),
            "no test case for {}",
            rule.id
        );
    }
}

#[test]
fn suppression_comments_silence_rules() {
    let case = case("drop-table", "postgres", "", "");
    let sql = "-- flyway-lsp-ignore drop-table\nDROP TABLE orders;";
    assert!(!rules_found(&case, sql).iter().any(|r| r == "drop-table"));
    let sql = "-- flyway-lsp-ignore-file drop-table, drop-column\nDROP TABLE orders;\nALTER TABLE users DROP COLUMN name;";
    let found = rules_found(&case, sql);
    assert!(
        !found
            .iter()
            .any(|r| r == "drop-table" || r == "drop-column"),
        "{found:?}"
    );
    let sql = "DROP TABLE orders; -- flyway-lsp-ignore drop-table\nDROP TABLE users;";
    assert_eq!(
        rules_found(&case, sql)
            .iter()
            .filter(|r| *r == "drop-table")
            .count(),
        1
    );
}

#[test]
fn messages_keep_the_spelling_of_names() {
    let case = case(
        "add-column-not-null-without-default",
        "mysql",
        "ALTER TABLE Users ADD COLUMN createdAt DATETIME NOT NULL;",
        "",
    );
    let dir = tempfile::tempdir().unwrap();
    let sql_dir = dir.path().join("sql");
    fs::create_dir(&sql_dir).unwrap();
    fs::write(sql_dir.join("V1__base.sql"), MYSQL_BASE).unwrap();
    fs::write(sql_dir.join("V2__change.sql"), case.flagged).unwrap();
    fs::write(dir.path().join("flyway-lsp.toml"), "dialect = \"mysql\"\n").unwrap();
    let reports = check_path(dir.path(), &LoadOptions::default()).unwrap();
    let messages: Vec<&str> = reports
        .iter()
        .flat_map(|r| r.diagnostics.iter())
        .filter(|d| d.rule == case.rule)
        .map(|d| d.message.as_str())
        .collect();
    assert_eq!(messages.len(), 1, "{messages:?}");
    assert!(
        messages[0].starts_with("Adding NOT NULL column Users.createdAt without a DEFAULT"),
        "{}",
        messages[0]
    );
}

/// Issue #12 row 8 (`ParserSqlScript`): the mixed refusal fires only when the script does not
/// set `executeInTransaction`. With `false` (in `.sql.conf` or a comment) the mix is a warning.
#[test]
fn execute_in_transaction_false_turns_the_mixed_refusal_into_a_warning() {
    let findings = |script: &str, sidecar: Option<&str>| {
        postgres_reports(script, sidecar)
            .iter()
            .flat_map(|r| r.diagnostics.iter())
            .filter(|d| d.rule == "concurrently-in-transaction")
            .map(|d| (d.level, d.message.clone()))
            .collect::<Vec<_>>()
    };
    let mixed = "SET lock_timeout = '1s';\nCREATE INDEX CONCURRENTLY i ON users (email);\n";
    let refused = findings(mixed, None);
    assert_eq!(refused.len(), 1, "{refused:?}");
    assert_eq!(refused[0].0, crate::config::Level::Error);
    for (script, sidecar) in [
        (mixed.to_string(), Some("executeInTransaction=false\n")),
        (
            format!("-- flyway:executeInTransaction=false\n{mixed}"),
            None,
        ),
    ] {
        let found = findings(&script, sidecar);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].0, crate::config::Level::Warning);
        assert!(
            found[0]
                .1
                .contains("Flyway accepts it, but runs the other statements without a transaction"),
            "{}",
            found[0].1
        );
    }
    // Forced into a transaction: PostgreSQL refuses, still an error.
    let forced = findings(mixed, Some("executeInTransaction=true\n"));
    assert_eq!(forced.len(), 1, "{forced:?}");
    assert_eq!(forced[0].0, crate::config::Level::Error);
    // Alone in its script with executeInTransaction=false: nothing to say.
    assert!(findings(
        "CREATE INDEX CONCURRENTLY i ON users (email);\n",
        Some("executeInTransaction=false\n")
    )
    .is_empty());
}

#[test]
fn lock_rules_wait_for_the_version_that_offers_the_remedy() {
    // No REINDEX CONCURRENTLY before PostgreSQL 12, no DETACH … CONCURRENTLY before 14.
    let gated = [
        ("require-concurrent-reindex", "11", "REINDEX TABLE orders;"),
        (
            "require-concurrent-detach-partition",
            "13",
            "ALTER TABLE orders DETACH PARTITION orders_2019;",
        ),
    ];
    for (rule, version, sql) in gated {
        let mut case = case(rule, "postgres", "", "");
        let settings = format!("server-version = \"{version}\"");
        case.settings = Box::leak(settings.into_boxed_str());
        assert!(
            !rules_found(&case, sql).iter().any(|r| r == rule),
            "{rule} on {version}"
        );
        let settings = format!(
            "server-version = \"{}\"",
            version.parse::<u32>().unwrap() + 1
        );
        case.settings = Box::leak(settings.into_boxed_str());
        assert!(
            rules_found(&case, sql).iter().any(|r| r == rule),
            "{rule} after {version}"
        );
    }
}

#[test]
fn cascade_is_not_claimed_on_mysql() {
    // MySQL parses CASCADE on DROP TABLE and ignores it.
    let case = case("cascade", "mysql", "", "");
    assert!(!rules_found(&case, "DROP TABLE orders CASCADE;")
        .iter()
        .any(|r| r == "cascade"));
}

/// The reports of a PostgreSQL project of `PG_BASE` and a second migration `script` (with its
/// `.sql.conf` when `sidecar` is given).
fn postgres_reports(script: &str, sidecar: Option<&str>) -> Vec<crate::engine::ProjectReport> {
    let dir = tempfile::tempdir().unwrap();
    let sql_dir = dir.path().join("sql");
    fs::create_dir(&sql_dir).unwrap();
    fs::write(sql_dir.join("V1__base.sql"), PG_BASE).unwrap();
    fs::write(sql_dir.join("V2__change.sql"), script).unwrap();
    if let Some(conf) = sidecar {
        fs::write(sql_dir.join("V2__change.sql.conf"), conf).unwrap();
    }
    fs::write(
        dir.path().join("flyway-lsp.toml"),
        "dialect = \"postgres\"\n",
    )
    .unwrap();
    check_path(dir.path(), &LoadOptions::default()).unwrap()
}

/// The findings of a second PostgreSQL migration `sql` as (rule, line, column).
fn postgres_findings(sql: &str) -> Vec<(String, u32, u32)> {
    postgres_reports(sql, None)
        .iter()
        .flat_map(|r| r.diagnostics.iter())
        .filter(|d| d.path.ends_with("V2__change.sql"))
        .map(|d| (d.rule.to_string(), d.start.line, d.start.column))
        .collect()
}

#[test]
fn literal_statements_of_do_blocks_go_through_the_rules() {
    let found = postgres_findings(
        "SET lock_timeout = '1s';\nDO $$\nBEGIN\n  IF true THEN ALTER TABLE orders ADD COLUMN priority int NOT NULL; END IF;\n  EXECUTE 'DROP TABLE users';\n  UPDATE orders SET status = 'x';\nEND\n$$;\n",
    );
    // At the statement inside the body (its ADD COLUMN clause); the SET before the block
    // counts; the lock inside it is held by the UPDATE after it; EXECUTE's string is not read.
    assert!(
        found.contains(&("add-column-not-null-without-default".into(), 4, 35)),
        "{found:?}"
    );
    assert!(
        found.contains(&("statement-after-exclusive-lock".into(), 6, 3)),
        "{found:?}"
    );
    assert!(
        !found
            .iter()
            .any(|(rule, _, _)| rule == "drop-table" || rule == "require-lock-timeout"),
        "{found:?}"
    );
    // What the script's own run says of the block is not said again of a statement in it.
    let found = postgres_findings(
        "ALTER TABLE orders ADD COLUMN a int;\nDO $$\nBEGIN\n  UPDATE orders SET a = 1;\nEND\n$$;\n",
    );
    let after: Vec<_> = found
        .iter()
        .filter(|(rule, _, _)| rule == "statement-after-exclusive-lock")
        .collect();
    assert_eq!(
        after,
        [&("statement-after-exclusive-lock".to_string(), 2, 1)]
    );
    // Exclusive branches never run one after the other.
    let found = postgres_findings(
        "DO $$\nBEGIN\n  IF true THEN\n    ALTER TABLE orders ALTER COLUMN status TYPE varchar;\n  ELSE\n    ALTER TABLE orders ALTER COLUMN status TYPE varchar;\n  END IF;\nEND\n$$;\n",
    );
    assert!(
        !found
            .iter()
            .any(|(rule, _, _)| rule == "statement-after-exclusive-lock"),
        "{found:?}"
    );
    // Rules that read a statement's tokens read the body statement's own, not those of the
    // script's statement at the same position (here the DO block itself).
    let found = postgres_findings("DO $$\nBEGIN\n  DROP TABLE notes CASCADE;\nEND\n$$;\n");
    assert!(found.contains(&("cascade".into(), 3, 20)), "{found:?}");
    // A function body runs when called, not when the migration runs.
    let found = postgres_findings(
        "CREATE FUNCTION f() RETURNS void AS $$\nBEGIN\n  ALTER TABLE orders ADD COLUMN priority int NOT NULL;\nEND\n$$ LANGUAGE plpgsql;\n",
    );
    assert!(
        !found
            .iter()
            .any(|(rule, _, _)| rule == "add-column-not-null-without-default"),
        "{found:?}"
    );
}

#[test]
fn do_block_statements_are_read_with_the_projects_placeholder_syntax() {
    let dir = tempfile::tempdir().unwrap();
    let sql_dir = dir.path().join("sql");
    fs::create_dir(&sql_dir).unwrap();
    fs::write(sql_dir.join("V1__base.sql"), PG_BASE).unwrap();
    fs::write(
        sql_dir.join("V2__change.sql"),
        "SET lock_timeout = '1s';\nDO $$\nBEGIN\n  ALTER TABLE #[tbl] ADD COLUMN p int NOT NULL;\nEND\n$$;\n",
    )
    .unwrap();
    fs::write(
        dir.path().join("flyway.toml"),
        "[flyway]\nlocations = [\"filesystem:sql\"]\nplaceholderPrefix = \"#[\"\nplaceholderSuffix = \"]\"\n\n[flyway.placeholders]\ntbl = \"orders\"\n",
    )
    .unwrap();
    fs::write(
        dir.path().join("flyway-lsp.toml"),
        "dialect = \"postgres\"\n",
    )
    .unwrap();
    let found: Vec<_> = check_path(dir.path(), &LoadOptions::default())
        .unwrap()
        .iter()
        .flat_map(|r| r.diagnostics.iter())
        .map(|d| (d.rule.to_string(), d.start.line, d.start.column))
        .collect();
    // `#[tbl]` is a placeholder here, not PostgreSQL's `#` operator: the body statement parses.
    assert!(
        found.contains(&("add-column-not-null-without-default".into(), 4, 22)),
        "{found:?}"
    );
}
