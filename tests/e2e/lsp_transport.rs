//! The language server's transport against hostile input, with the real binary: each malformed
//! message gets a JSON-RPC error (id null) and the well-formed request after it its answer;
//! `exit` without `shutdown` ends with status 1, end of input with status 0.

use std::time::Duration;

use serde_json::{json, Value};

use super::lsp::{project, uri, Client};

fn hover_answered(client: &mut Client, v2: &std::path::Path, case: &str) {
    let hover = client.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": uri(v2)}, "position": {"line": 1, "character": 14}}),
    );
    let text = hover["contents"]["value"].as_str().unwrap_or_default();
    assert!(text.contains("**table users**"), "{case}: {hover}");
}

#[test]
fn malformed_messages_get_an_error_and_the_server_keeps_serving() {
    let dir = project();
    let v2 = dir.path().join("db/migration/V2__add_name.sql");
    let mut client = Client::start(dir.path());
    // Indexed first (requests during the first walk are answered without a model).
    client.diagnostics_until(&dir.path().join("db/migration/V4__gap.sql"), |d| {
        !d.is_empty()
    });
    let body = r#"{"jsonrpc":"2.0","method":"$/x"}"#;
    let cases: Vec<(&str, Vec<u8>, i64)> = vec![
        (
            "bad JSON",
            b"Content-Length: 9\r\n\r\n{not json".to_vec(),
            -32700,
        ),
        (
            "invalid UTF-8",
            b"Content-Length: 11\r\n\r\n{\"a\":\"\xff\xfe\"}\r\n".to_vec(),
            -32700,
        ),
        (
            "missing Content-Length",
            format!("Content-Type: application/vscode-jsonrpc; charset=utf-8\r\n\r\n{body}")
                .into_bytes(),
            -32700,
        ),
        (
            "wrong Content-Length (not a number)",
            format!("Content-Length: many\r\n\r\n{body}").into_bytes(),
            -32700,
        ),
        (
            "Content-Length smaller than the body",
            format!("Content-Length: 4\r\n\r\n{body}").into_bytes(),
            -32700,
        ),
        // Larger than the body, then more messages: the next header is found inside.
        (
            "Content-Length larger than the body",
            format!("Content-Length: 4000\r\n\r\n{body}").into_bytes(),
            -32700,
        ),
        (
            "Content-Length 2^63",
            format!("Content-Length: 9223372036854775808\r\n\r\n{body}").into_bytes(),
            -32700,
        ),
        (
            "a header line without ':'",
            format!(
                "Content-Length: {}\r\nno colon here\r\n\r\n{body}",
                body.len()
            )
            .into_bytes(),
            -32700,
        ),
        ("bare garbage", b"\x00\x01\x02{{{".to_vec(), -32700),
        (
            "JSON that is not JSON-RPC",
            b"Content-Length: 7\r\n\r\n[1,2,3]".to_vec(),
            -32600,
        ),
    ];
    for (case, bytes, code) in cases {
        client.send_raw(&bytes);
        hover_answered(&mut client, &v2, case);
        let errors = client.null_id_errors(1, Duration::from_secs(10));
        assert_eq!(errors.len(), 1, "{case}: {errors:?}");
        assert_eq!(
            errors[0]["error"]["code"],
            json!(code),
            "{case}: {errors:?}"
        );
        assert_eq!(errors[0]["jsonrpc"], "2.0");
    }
    // Still the same session: documents and shutdown work.
    client.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": uri(&v2), "languageId": "sql", "version": 1,
                                "text": "ALTER TABLE users ADD COLUMN age int NOT NULL;\n"}}),
    );
    let found = client.diagnostics_until(&v2, |d| !d.is_empty());
    assert!(!found.is_empty());
    client.shutdown();
}

#[test]
fn exit_status_follows_the_protocol() {
    let dir = project();
    // exit without shutdown: status 1.
    let client = Client::start(dir.path());
    let status = client.exit_status(|c| c.notify("exit", Value::Null));
    assert_eq!(status.code(), Some(1), "{status}");
    // End of input: the server ends by itself, cleanly.
    let client = Client::start(dir.path());
    let status = client.exit_status(|c| c.close_input());
    assert_eq!(status.code(), Some(0), "{status}");
    // A truncated message, then end of input: still clean.
    let client = Client::start(dir.path());
    let status = client.exit_status(|c| {
        c.send_raw(b"Content-Length: 100\r\n\r\n{\"jsonrpc\"");
        c.close_input();
    });
    assert_eq!(status.code(), Some(0), "{status}");
}
