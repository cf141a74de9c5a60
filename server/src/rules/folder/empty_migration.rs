use crate::config::Level;
use crate::index::ScriptFile;
use crate::naming::Kind;
use crate::rules::{FolderContext, Rule, Sink, Tag};

pub static RULE: Rule = Rule {
    id: "empty-migration",
    category: "files",
    default_level: Level::Warning,
    summary: "Migration with no SQL statement (empty, blank or only comments)",
    doc: r#"## What it does
Flags versioned, undo, baseline and repeatable migrations that contain nothing but whitespace and
comments.

## Why is this bad?
Flyway applies it, records it as successful, and the version is used up. Usually the content was
never saved, or a placeholder file was committed by mistake; filling it in later changes its
checksum and breaks `validate` wherever it already ran.

## Example
```sql
-- TODO: add the orders table
```

## Use instead
Write the migration before it is merged, or delete the file.
"#,
    convention: None,
    tag: Some(Tag::Unnecessary),
};

const KINDS: &[Kind] = &[
    Kind::Versioned,
    Kind::Undo,
    Kind::Baseline,
    Kind::Repeatable,
];

pub fn check(cx: &FolderContext, sink: &mut Sink) {
    for (file, _) in cx.set.migrations(KINDS) {
        check_file(cx, file, sink);
    }
}

/// What [`check`] finds on `file`: it reads that file alone.
pub fn check_file(_cx: &FolderContext, file: &ScriptFile, sink: &mut Sink) {
    if file.migration(KINDS).is_none() {
        return;
    }
    let Some(text) = file.text() else { return };
    if has_code(&text) {
        return;
    }
    sink.file(
        &RULE,
        file,
        format!(
            "{} contains no SQL statement; Flyway would record it as applied without doing anything",
            file.file_name
        ),
    );
}

/// True when `text` has anything besides whitespace, `--` comments and `/* */` comments.
pub(crate) fn has_code(text: &str) -> bool {
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'-' if bytes.get(i + 1) == Some(&b'-') => {
                while i < bytes.len() && bytes[i] != b'\n' && bytes[i] != b'\r' {
                    i += 1;
                }
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                i += 2;
                while i < bytes.len() && !(bytes[i] == b'*' && bytes.get(i + 1) == Some(&b'/')) {
                    i += 1;
                }
                i += 2;
            }
            b if b.is_ascii_whitespace() => i += 1,
            _ if text[i..].starts_with('\u{feff}') => i += 3,
            _ => return true,
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_detection() {
        assert!(!has_code(""));
        assert!(!has_code(" \n\t\r\n"));
        assert!(!has_code("-- a\n/* b\n c */ -- d"));
        assert!(!has_code("\u{feff}-- x"));
        assert!(!has_code("/* unterminated"));
        assert!(has_code("-- a\nselect 1;"));
        assert!(has_code("/* a */;"));
    }
}
