use crate::config::Level;
use crate::rules::{FileContext, Rule, Sink};
use crate::sql::facts::{Op, TransactionControl};
use crate::sql::Dialect;

pub static RULE: Rule = Rule {
    id: "mysql-ddl-in-transaction",
    category: "mysql",
    default_level: Level::Warning,
    summary: "DDL inside START TRANSACTION … COMMIT: MySQL commits implicitly, so the transaction protects nothing",
    doc: r#"## What it does
Flags DDL statements between `START TRANSACTION` / `BEGIN` and `COMMIT` / `ROLLBACK` in MySQL and
MariaDB migrations.

## Why is this bad?
Every DDL statement commits the open transaction implicitly. The script looks atomic but is not:
if a later statement fails, the earlier ones stay applied and Flyway records a failed migration
that cannot simply be rerun.

## Example
```sql
START TRANSACTION;
ALTER TABLE lender ADD COLUMN rate DECIMAL(5, 2);
UPDATE lender SET rate = 0;
COMMIT;
```

## Use instead
One DDL change per migration, without transaction statements, so a failure leaves a clear state:
```sql
ALTER TABLE lender ADD COLUMN rate DECIMAL(5, 2);
```
"#,
    convention: None,
    tag: None,
};

pub fn check(cx: &FileContext, sink: &mut Sink) {
    if cx.dialect() != Dialect::MySql {
        return;
    }
    let mut open = false;
    for (statement, op) in cx.statements() {
        match op {
            Op::Transaction(TransactionControl::Begin) => open = true,
            Op::Transaction(_) => open = false,
            op if open && op.is_ddl() => {
                sink.statement(
                    &RULE,
                    cx,
                    statement,
                    "DDL inside a transaction: MySQL commits the transaction implicitly here, so the statements before it cannot be rolled back. Remove the transaction statements and keep one DDL change per migration".to_string(),
                );
                // One finding per transaction is enough.
                open = false;
            }
            _ => {}
        }
    }
}
