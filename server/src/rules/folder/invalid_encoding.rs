use crate::config::Level;
use crate::diagnostic::{LineCol, TextRange};
use crate::index::{Content, ScriptFile};
use crate::rules::{FolderContext, Rule, Sink};

pub static RULE: Rule = Rule {
    id: "invalid-encoding",
    category: "files",
    default_level: Level::Error,
    summary: "Script bytes are not valid in the configured encoding (UTF-8 by default): Flyway fails on it",
    doc: r#"## What it does
Flags SQL files that are not valid text in the configured `encoding` (UTF-8 unless set), and
points at the first bad byte. Typical causes: a file saved as Windows-1252 or Latin-1 with an
accented character, or binary content.

## Why is this bad?
Flyway decodes scripts strictly; it fails with a `MalformedInputException` while computing the
checksum, so `migrate` and `validate` stop at this file.

## Example
A file containing `café` saved as Latin-1 (byte `E9`) in a UTF-8 project.

## Use instead
Re-save the file as UTF-8 (`iconv -f latin1 -t utf-8`), or set Flyway's `encoding` to what the
files really use.
"#,
    convention: None,
    tag: None,
};

pub fn check(cx: &FolderContext, sink: &mut Sink) {
    for file in &cx.set.files {
        check_file(cx, file, sink);
    }
}

/// What [`check`] finds on `file`: it reads that file alone.
pub fn check_file(_cx: &FolderContext, file: &ScriptFile, sink: &mut Sink) {
    let Content::InvalidEncoding {
        encoding,
        offset,
        at,
    } = &file.content
    else {
        return;
    };
    let start = *at;
    let end = LineCol {
        line: start.line,
        column: start.column + 1,
    };
    sink.at(
        &RULE,
        &file.path,
        TextRange::new(*offset, offset + 1),
        start,
        end,
        format!(
            "{} is not valid {} at byte {offset} (line {}, column {}); Flyway cannot read it. Re-save the file as {}",
            file.file_name,
            encoding.name(),
            start.line,
            start.column,
            encoding.name()
        ),
    );
}
