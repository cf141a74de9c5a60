use crate::config::Level;
use crate::rules::{FolderContext, Rule, Sink};

pub static RULE: Rule = Rule {
    id: "missing-location",
    category: "files",
    default_level: Level::Warning,
    summary:
        "A configured location does not exist, is a file, or uses a scheme flyway-lsp cannot read",
    doc: r#"## What it does
Flags entries of Flyway's `locations` setting that yield no folder: a path that does not exist, a
path that is a file, or a scheme other than `filesystem:` and `classpath:` (e.g. `s3:`). The
diagnostic is placed on the config file that sets `locations`.

## Why is this bad?
Flyway only warns "Unable to resolve location" (or fails with `failOnMissingLocations`) and then
finds no migrations there: a typo in `locations` makes `migrate` do nothing, successfully.

## Example
```toml
[flyway]
locations = ["filesystem:db/migrations"]   # the folder is db/migration
```

## Use instead
```toml
[flyway]
locations = ["filesystem:db/migration"]
```
"#,
    convention: None,
    tag: None,
};

pub fn check(cx: &FolderContext, sink: &mut Sink) {
    let config = &cx.project.config;
    // Place it on the file that set `locations`, else on the project folder.
    let path = match config.layers.source("locations") {
        Some(crate::config::Source::File(path)) => path.clone(),
        _ => config.base_dir.clone(),
    };
    for problem in &cx.project.location_problems {
        sink.at_start(&RULE, &path, problem.message.clone());
    }
}
