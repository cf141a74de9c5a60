use crate::config::Level;
use crate::rules::{FileContext, Rule, Sink};
use crate::sql::facts::Op;
use crate::sql::Dialect;

use super::table_option;

pub static RULE: Rule = Rule {
    id: "mysql-table-options",
    category: "mysql",
    default_level: Level::Off,
    summary: "CREATE TABLE without explicit ENGINE and character set (MySQL; for teams whose template requires them)",
    doc: r#"## What it does
For teams whose table template requires them (enable with `[rules] mysql-table-options =
"warning"`), flags `CREATE TABLE` without `ENGINE=` or without `DEFAULT CHARSET=` /
`CHARACTER SET`.

## Why is this bad?
The defaults come from the server's configuration, which differs between environments (and
between MySQL 5.7's latin1 and 8.0's utf8mb4): the same migration creates different tables in
development and production.

## Example
```sql
CREATE TABLE lender (id BIGINT NOT NULL AUTO_INCREMENT, PRIMARY KEY (id));
```

## Use instead
```sql
CREATE TABLE lender (id BIGINT NOT NULL AUTO_INCREMENT, PRIMARY KEY (id))
  ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
```
"#,
    convention: None,
    tag: None,
};

pub fn check(cx: &FileContext, sink: &mut Sink) {
    if cx.dialect() != Dialect::MySql {
        return;
    }
    for (statement, op) in cx.statements() {
        let Op::CreateTable {
            table,
            temporary: false,
            as_query: false,
            ..
        } = op
        else {
            continue;
        };
        let engine = table_option(cx, statement, "ENGINE").is_some();
        let charset = table_option(cx, statement, "CHARSET").is_some()
            || table_option(cx, statement, "CHARACTER").is_some();
        let missing = match (engine, charset) {
            (true, true) => continue,
            (false, true) => "ENGINE=InnoDB",
            (true, false) => "DEFAULT CHARSET=utf8mb4",
            (false, false) => "ENGINE=InnoDB DEFAULT CHARSET=utf8mb4",
        };
        sink.statement(
            &RULE,
            cx,
            statement,
            format!("CREATE TABLE {table} relies on server defaults; add {missing}"),
        );
    }
}
