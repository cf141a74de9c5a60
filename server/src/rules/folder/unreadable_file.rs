use crate::config::Level;
use crate::index::{Content, ScriptFile};
use crate::rules::{FolderContext, Rule, Sink};

pub static RULE: Rule = Rule {
    id: "unreadable-file",
    category: "files",
    default_level: Level::Error,
    summary: "A file or folder in a migration location cannot be read (permissions, broken link, link loop)",
    doc: r#"## What it does
Flags SQL files that cannot be read, folders that cannot be listed, broken symbolic links and
symbolic link loops inside a migration location. The rest of the location is still checked.

## Why is this bad?
Flyway fails on unreadable scripts, or never sees migrations behind an unreadable folder; what it
sees then depends on who runs it.

## Example
```text
db/migration/V9__secret.sql   (mode 000)
```

## Use instead
Make the files readable by the user that runs Flyway (`chmod a+r`), and remove broken or looping
links.
"#,
    convention: None,
    tag: None,
};

pub fn check(cx: &FolderContext, sink: &mut Sink) {
    for file in &cx.set.files {
        file_content(file, sink);
    }
    for problem in cx.set.walk_problems.iter().filter(|p| !p.skipped) {
        sink.at_start(&RULE, &problem.path, problem.message.clone());
    }
}

/// What [`check`] finds on `file`'s path: its content, and a walk problem there.
pub fn check_file(cx: &FolderContext, file: &ScriptFile, sink: &mut Sink) {
    file_content(file, sink);
    for problem in super::walk_problems_at(cx, file, false) {
        sink.at_start(&RULE, &problem.path, problem.message.clone());
    }
}

fn file_content(file: &ScriptFile, sink: &mut Sink) {
    if let Content::Unreadable(reason) = &file.content {
        sink.at_start(
            &RULE,
            &file.path,
            format!("cannot read {}: {reason}", file.file_name),
        );
    }
}
