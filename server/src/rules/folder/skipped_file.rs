use crate::config::Level;
use crate::index::{Content, ScriptFile};
use crate::rules::{FolderContext, Rule, Sink};

pub static RULE: Rule = Rule {
    id: "skipped-file",
    category: "files",
    default_level: Level::Info,
    summary: "A script too large to analyse (over `max-analysis-size`), or a link into a pseudo file system (/proc, /sys, /dev), was skipped",
    doc: r#"## What it does
Reports what flyway-lsp left out on purpose: SQL scripts larger than the `max-analysis-size`
setting (default 20 MB), which are checksummed but not lexed, parsed or checked, and symbolic
links into pseudo file systems (`/proc`, `/sys`, `/dev`, cgroup, debugfs, …), which are not
followed.

## Why is this bad?
Nothing is wrong with a large script, but its statements are not checked, so a problem in it
goes unreported; say so rather than stay silent. A link into `/proc` or `/dev` leads to kernel
and device files, never migrations: following it could read without end or block.

## Example
```text
db/migration/V7__seed_countries.sql   (350 MB of INSERT statements)
db/migration/proc -> /proc
```

## Use instead
Raise `max-analysis-size` in the `[flyway-lsp]` table if the script should be checked (it needs
memory proportional to its size), and remove links to pseudo file systems.
"#,
    convention: None,
    tag: None,
};

pub fn check(cx: &FolderContext, sink: &mut Sink) {
    for file in &cx.set.files {
        file_content(file, sink);
    }
    for problem in cx.set.walk_problems.iter().filter(|p| p.skipped) {
        sink.at_start(&RULE, &problem.path, problem.message.clone());
    }
}

/// What [`check`] finds on `file`'s path: its content, and a walk problem there.
pub fn check_file(cx: &FolderContext, file: &ScriptFile, sink: &mut Sink) {
    file_content(file, sink);
    for problem in super::walk_problems_at(cx, file, true) {
        sink.at_start(&RULE, &problem.path, problem.message.clone());
    }
}

fn file_content(file: &ScriptFile, sink: &mut Sink) {
    if let Content::TooLarge { size, limit, .. } = &file.content {
        sink.at_start(&RULE, &file.path, format!(
                "{} is too large to analyse ({size} bytes, over max-analysis-size {limit}); its checksum is computed but its statements are not checked",
                file.file_name
            ),
        );
    }
}
