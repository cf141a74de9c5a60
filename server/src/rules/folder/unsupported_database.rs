use crate::config::Level;
use crate::rules::{FolderContext, Rule, Sink};

pub static RULE: Rule = Rule {
    id: "unsupported-database",
    category: "files",
    default_level: Level::Info,
    summary: "The set targets a database without SQL rules (H2, SQL Server, Oracle, …): SQL rules skipped",
    doc: r#"## What it does
Says once per migration set that its SQL is not analysed because the set targets a database
flyway-lsp has no SQL rules for: H2, HSQLDB, SQLite, SQL Server, Oracle, DB2, Derby, Redshift,
Snowflake, Sybase, Informix, Firebird, SAP HANA, BigQuery, Cloud Spanner or ClickHouse. The target
is recognised from the `url` setting (`jdbc:h2:…`), else from the location folder's name (`h2`,
`sqlserver`, `oracle`, … as in Flyway's `{vendor}` locations), else from code only those
databases accept (`NVARCHAR(MAX)`, `GO` lines, `VARCHAR2`, `AUTOINCREMENT`; comments and strings
do not count) outnumbering PostgreSQL and MySQL signs. A configured `dialect` wins over all of
these. The naming and version rules still run on the set.

## Why is this bad?
It is not: it explains why no SQL finding appears there. Reading an Oracle or SQL Server script
as PostgreSQL or MySQL would report valid statements as syntax errors.

## Example
```text
db/migration/h2/V1__init.sql        -- H2 test schema next to db/migration/postgresql
```

## Use instead
Nothing to change. If the folder really targets PostgreSQL or MySQL, say so in `flyway-lsp.toml`:
```toml
[flyway-lsp]
dialect = "postgres"
```
"#,
    convention: None,
    tag: None,
};

pub fn check(cx: &FolderContext, sink: &mut Sink) {
    let Some(unsupported) = &cx.server.unsupported else {
        return;
    };
    let path = cx
        .project
        .locations
        .first()
        .map(|l| l.path.clone())
        .unwrap_or_else(|| cx.project.config.base_dir.clone());
    sink.at_start(
        &RULE,
        &path,
        format!(
            "SQL rules skipped: {} is not supported ({}); naming and version rules still run",
            unsupported.database, unsupported.because
        ),
    );
}
