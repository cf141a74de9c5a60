//! The stdio framing layer in front of tower-lsp-server: it reads `Content-Length` frames
//! itself, forwards only well-formed JSON-RPC messages (re-framed canonically) to the server
//! through an in-memory pipe, and answers malformed ones with a JSON-RPC error on the shared
//! stdout writer, a whole frame at a time. tower-lsp-server stops on the first bad frame; with
//! this layer a bad frame costs one error response and nothing else.
//!
//! [`Decoder`] is pure (bytes in, frames out) so that the fuzzer and the unit tests drive it
//! without stdio. Its recovery rests on one fact: the *marker* `Content-Length: <digits>` followed
//! by a raw line end can never occur inside valid JSON (outside strings letters are not allowed,
//! inside strings a raw newline is not), so after garbage, or inside a body that its
//! `Content-Length` overstates, the next marker is where the next message starts.

use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, DuplexStream};
use tokio::sync::Mutex;
use tower_lsp_server::jsonrpc::{Request, Response};

/// The largest body accepted from the client (a `Content-Length` above it is refused without
/// allocating anything).
pub const MAX_BODY: usize = 256 << 20;
/// The largest header block (all header lines and the blank line).
pub const MAX_HEADER_BLOCK: usize = 8 << 10;

/// JSON-RPC 2.0 error codes used here.
pub const PARSE_ERROR: i64 = -32700;
pub const INVALID_REQUEST: i64 = -32600;

/// What the decoder makes of the input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Frame {
    /// A well-formed JSON-RPC message (request, notification or response): its body, and its
    /// method when it is a request or notification (only when bodies are validated).
    Message {
        body: Vec<u8>,
        method: Option<String>,
    },
    /// A malformed message: the JSON-RPC error code to answer with and why.
    Malformed { code: i64, reason: String },
}

impl Frame {
    fn parse_error(reason: impl Into<String>) -> Frame {
        Frame::Malformed {
            code: PARSE_ERROR,
            reason: reason.into(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// At the start of a header block. `quiet`: the previous frame was malformed, so garbage
    /// right here is its leftover and is skipped without a second error.
    Headers { quiet: bool },
    /// Waiting for a body of `length` bytes; markers were searched up to `scanned`.
    Body { length: usize, scanned: usize },
    /// Discarding bytes up to the next marker.
    Resync,
}

/// Turns a byte stream into frames. Push bytes with [`Decoder::push`], take frames with
/// [`Decoder::next_frame`] until it returns `None`, and call [`Decoder::end`] at end of input.
#[derive(Debug)]
pub struct Decoder {
    buf: Vec<u8>,
    pos: usize,
    state: State,
    max_body: usize,
    /// Check bodies (JSON, JSON-RPC shape); off for the server's own output.
    validate: bool,
    eof: bool,
}

impl Default for Decoder {
    fn default() -> Decoder {
        Decoder::new(MAX_BODY, true)
    }
}

/// Where the next marker is.
enum Marker {
    /// A complete marker starts here.
    At(usize),
    /// A marker may start here, but the input ends before it can be confirmed.
    Maybe(usize),
    None,
}

const MARKER_NAME: &[u8] = b"content-length:";
/// Bounds inside a marker: blanks around the number, digits of the number.
const MARKER_BLANKS: usize = 16;
const MARKER_DIGITS: usize = 20;

/// Checks for a marker at the start of `hay`: Some(true) yes, Some(false) no, None: the input
/// ends before it is known.
fn marker_at(hay: &[u8]) -> Option<bool> {
    let mut i = 0;
    for expected in MARKER_NAME {
        match hay.get(i) {
            None => return None,
            Some(b) if b.to_ascii_lowercase() == *expected => i += 1,
            Some(_) => return Some(false),
        }
    }
    let count = |i: &mut usize, pred: fn(u8) -> bool, max: usize| -> Option<usize> {
        let start = *i;
        while let Some(&b) = hay.get(*i) {
            if !pred(b) || *i - start > max {
                return Some(*i - start);
            }
            *i += 1;
        }
        None
    };
    let blank = |b: u8| b == b' ' || b == b'\t';
    if count(&mut i, blank, MARKER_BLANKS)? > MARKER_BLANKS {
        return Some(false);
    }
    let digits = count(&mut i, |b| b.is_ascii_digit(), MARKER_DIGITS)?;
    if digits == 0 || digits > MARKER_DIGITS {
        return Some(false);
    }
    if count(&mut i, blank, MARKER_BLANKS)? > MARKER_BLANKS {
        return Some(false);
    }
    match hay.get(i) {
        None => None,
        Some(b'\n') => Some(true),
        Some(b'\r') => hay.get(i + 1).map(|b| *b == b'\n'),
        Some(_) => Some(false),
    }
}

/// The first marker in `hay` that starts before `limit`.
fn find_marker(hay: &[u8], from: usize, limit: usize) -> Marker {
    let limit = limit.min(hay.len());
    let mut i = from;
    while i < limit {
        match hay[i..limit]
            .iter()
            .position(|b| b.eq_ignore_ascii_case(&b'c'))
        {
            None => return Marker::None,
            Some(k) => i += k,
        }
        match marker_at(&hay[i..]) {
            Some(true) => return Marker::At(i),
            None => return Marker::Maybe(i),
            Some(false) => i += 1,
        }
    }
    Marker::None
}

/// One parsed header block.
enum Headers {
    /// Complete: its length in bytes and the body length.
    Complete {
        size: usize,
        length: usize,
    },
    /// Not complete yet, nothing wrong so far.
    Partial,
    Bad(String),
}

fn is_token(name: &[u8]) -> bool {
    !name.is_empty()
        && name
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_'))
}

/// A line (or the start of one) whose name part has a byte no header name has. Checked first,
/// on unfinished lines too, so that the verdict does not depend on how the input is chunked.
fn garbage_name(line: &[u8]) -> bool {
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    let name = line.split(|&b| b == b':').next().unwrap_or_default();
    !name.is_empty() && !is_token(name)
}

fn parse_headers(hay: &[u8], max_body: usize) -> Headers {
    let too_long = || {
        Headers::Bad(format!(
            "the header block is longer than {MAX_HEADER_BLOCK} bytes"
        ))
    };
    let mut length: Option<usize> = None;
    let mut at = 0;
    loop {
        let Some(newline) = hay[at..].iter().position(|&b| b == b'\n') else {
            // Garbage is said at once, without waiting for a line end that may never come.
            if garbage_name(&hay[at..]) {
                return Headers::Bad("bytes that are not a header".into());
            }
            if hay.len() > MAX_HEADER_BLOCK {
                return too_long();
            }
            return Headers::Partial;
        };
        let end = at + newline;
        if garbage_name(&hay[at..end]) {
            return Headers::Bad("bytes that are not a header".into());
        }
        if end + 1 > MAX_HEADER_BLOCK {
            return too_long();
        }
        let line = hay[at..end].strip_suffix(b"\r").unwrap_or(&hay[at..end]);
        // Garbage before a real header on the same line must not hide it.
        if let Marker::At(_) = find_marker(&hay[at..=end], 1, usize::MAX) {
            return Headers::Bad("a header line that holds another header".into());
        }
        at = end + 1;
        if line.is_empty() {
            return match length {
                Some(length) => Headers::Complete { size: at, length },
                None => Headers::Bad("the Content-Length header is missing".into()),
            };
        }
        let Some(colon) = line.iter().position(|&b| b == b':') else {
            return Headers::Bad("a header line without ':'".into());
        };
        let name = &line[..colon];
        let Ok(value) = std::str::from_utf8(&line[colon + 1..]) else {
            return Headers::Bad("a header value that is not UTF-8".into());
        };
        let value = value.trim_matches([' ', '\t']);
        if name.eq_ignore_ascii_case(b"content-length") {
            if value.is_empty() || !value.bytes().all(|b| b.is_ascii_digit()) {
                return Headers::Bad(format!("Content-Length {value:?} is not a number"));
            }
            let parsed = match value.parse::<usize>() {
                Ok(n) if n <= max_body => n,
                _ => {
                    return Headers::Bad(format!(
                        "Content-Length {value} is larger than the limit of {max_body} bytes"
                    ))
                }
            };
            if length.is_some_and(|l| l != parsed) {
                return Headers::Bad("two different Content-Length headers".into());
            }
            length = Some(parsed);
        } else if name.eq_ignore_ascii_case(b"content-type") {
            // LSP: UTF-8 only ("utf8" for backwards compatibility); the default is UTF-8.
            let charset = value
                .split(';')
                .skip(1)
                .filter_map(|p| p.trim().split_once('='))
                .find(|(k, _)| k.trim().eq_ignore_ascii_case("charset"))
                .map(|(_, v)| v.trim().trim_matches('"').to_ascii_lowercase());
            if !matches!(charset.as_deref(), None | Some("utf-8" | "utf8")) {
                return Headers::Bad(format!("unsupported Content-Type {value:?}"));
            }
        } else {
            // LSP has only these two headers; anything else is a framing error (and treating it
            // as one lets a header swallowed by garbage still be found).
            let shown = String::from_utf8_lossy(&name[..name.len().min(40)]).into_owned();
            return Headers::Bad(if is_token(name) {
                format!("unknown header {shown:?}")
            } else {
                "bytes that are not a header".into()
            });
        }
    }
}

/// Checks a body: JSON, and a JSON-RPC request, notification or response. Ok: the method of a
/// request or notification.
fn check_body(body: &[u8]) -> Result<Option<String>, Frame> {
    if body.is_empty() {
        return Err(Frame::parse_error("an empty body"));
    }
    if let Err(e) = std::str::from_utf8(body) {
        return Err(Frame::parse_error(format!(
            "the body is not UTF-8 (at byte {})",
            e.valid_up_to()
        )));
    }
    // Requests first: they are most of what a client sends, and one parse then suffices.
    if let Ok(request) = serde_json::from_slice::<Request>(body) {
        return Ok(Some(request.method().to_string()));
    }
    if serde_json::from_slice::<Response>(body).is_ok() {
        return Ok(None);
    }
    if let Err(e) = serde_json::from_slice::<serde::de::IgnoredAny>(body) {
        return Err(Frame::parse_error(format!("invalid JSON: {e}")));
    }
    Err(Frame::Malformed {
        code: INVALID_REQUEST,
        reason: "not a JSON-RPC 2.0 request, notification or response".into(),
    })
}

impl Decoder {
    /// `max_body`: the largest body accepted; `validate`: check that bodies are JSON-RPC.
    pub fn new(max_body: usize, validate: bool) -> Decoder {
        Decoder {
            buf: Vec::new(),
            pos: 0,
            state: State::Headers { quiet: false },
            max_body,
            validate,
            eof: false,
        }
    }

    pub fn push(&mut self, bytes: &[u8]) {
        if self.pos > 0 && self.pos >= self.buf.len() / 2 {
            self.buf.drain(..self.pos);
            self.pos = 0;
        }
        self.buf.extend_from_slice(bytes);
    }

    /// No more input: what is left is decoded as far as it goes, then dropped.
    pub fn end(&mut self) {
        self.eof = true;
    }

    /// Bytes held (for bounds in tests and the fuzzer).
    pub fn buffered(&self) -> usize {
        self.buf.len() - self.pos
    }

    fn rest(&self) -> &[u8] {
        &self.buf[self.pos..]
    }

    /// Starts looking for the next marker after the current position.
    fn resync_after_error(&mut self, reason: String, quiet: bool) -> Option<Frame> {
        self.pos = (self.pos + 1).min(self.buf.len());
        self.state = State::Resync;
        (!quiet).then(|| Frame::parse_error(reason))
    }

    /// The next frame, or `None` when more input is needed (or, after [`Decoder::end`], when
    /// the input is used up).
    pub fn next_frame(&mut self) -> Option<Frame> {
        loop {
            match self.state {
                State::Headers { quiet } => {
                    // Line ends between messages are tolerated.
                    let skip = self
                        .rest()
                        .iter()
                        .position(|b| !matches!(b, b'\r' | b'\n'))
                        .unwrap_or(self.rest().len());
                    self.pos += skip;
                    if self.rest().is_empty() {
                        self.buf.clear();
                        self.pos = 0;
                        return None;
                    }
                    match parse_headers(self.rest(), self.max_body) {
                        Headers::Complete { size, length } => {
                            self.pos += size;
                            self.state = State::Body { length, scanned: 0 };
                        }
                        Headers::Bad(reason) => {
                            if let Some(frame) = self.resync_after_error(reason, quiet) {
                                return Some(frame);
                            }
                        }
                        Headers::Partial if self.eof => {
                            let quiet_end = quiet;
                            self.pos = self.buf.len();
                            self.state = State::Headers { quiet: true };
                            if quiet_end {
                                return None;
                            }
                            return Some(Frame::parse_error(
                                "the input ended inside a message's headers",
                            ));
                        }
                        Headers::Partial => return None,
                    }
                }
                State::Body { length, scanned } => {
                    let available = self.rest().len();
                    if available >= length {
                        let body = &self.buf[self.pos..self.pos + length];
                        let checked = if self.validate {
                            check_body(body)
                        } else {
                            Ok(None)
                        };
                        let problem = match checked {
                            Ok(method) => {
                                let body = body.to_vec();
                                self.pos += length;
                                self.state = State::Headers { quiet: false };
                                return Some(Frame::Message { body, method });
                            }
                            Err(problem) => problem,
                        };
                        // Invalid: is it cut short by the next message (its length overstated)?
                        match find_marker(self.rest(), scanned, length) {
                            Marker::At(k) => return Some(self.overstated(k, length)),
                            Marker::Maybe(k) if !self.eof => {
                                self.state = State::Body { length, scanned: k };
                                return None;
                            }
                            _ => {
                                self.pos += length;
                                self.state = State::Headers { quiet: true };
                                return Some(problem);
                            }
                        }
                    }
                    match find_marker(self.rest(), scanned, available) {
                        Marker::At(k) => return Some(self.overstated(k, length)),
                        Marker::Maybe(k) => self.state = State::Body { length, scanned: k },
                        Marker::None => {
                            self.state = State::Body {
                                length,
                                scanned: available,
                            }
                        }
                    }
                    if self.eof {
                        self.pos = self.buf.len();
                        self.state = State::Headers { quiet: true };
                        return Some(Frame::parse_error(format!(
                            "the input ended {available} bytes into a body of {length}"
                        )));
                    }
                    return None;
                }
                State::Resync => match find_marker(self.rest(), 0, usize::MAX) {
                    Marker::At(k) => {
                        self.pos += k;
                        self.state = State::Headers { quiet: true };
                    }
                    Marker::Maybe(k) if !self.eof => {
                        self.pos += k;
                        return None;
                    }
                    _ => {
                        self.buf.clear();
                        self.pos = 0;
                        return None;
                    }
                },
            }
        }
    }

    /// A body cut short by the next message's header at offset `k`.
    fn overstated(&mut self, k: usize, length: usize) -> Frame {
        self.pos += k;
        self.state = State::Headers { quiet: true };
        Frame::parse_error(format!(
            "the body is shorter than its Content-Length {length}: the next message starts after {k} bytes"
        ))
    }
}

/// A frame as written on the wire.
pub fn encode(body: &[u8]) -> Vec<u8> {
    let mut out = format!("Content-Length: {}\r\n\r\n", body.len()).into_bytes();
    out.extend_from_slice(body);
    out
}

/// The error response for a malformed message (id null: the id cannot be trusted).
pub fn error_response(code: i64, reason: &str) -> Vec<u8> {
    let message = if code == PARSE_ERROR {
        "Parse error"
    } else {
        "Invalid Request"
    };
    let body = serde_json::json!({
        "jsonrpc": "2.0",
        "id": null,
        "error": {"code": code, "message": message, "data": reason},
    });
    encode(body.to_string().as_bytes())
}

/// How the session ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ended {
    /// The client sent `exit`; `after_shutdown`: a `shutdown` request came before it.
    Exit { after_shutdown: bool },
    /// The input ended.
    EndOfInput,
}

impl Ended {
    /// The process exit status (LSP: 1 for `exit` without `shutdown`).
    pub fn status(self) -> i32 {
        match self {
            Ended::Exit {
                after_shutdown: false,
            } => 1,
            _ => 0,
        }
    }
}

type SharedOutput<O> = Arc<Mutex<O>>;

/// Writes one whole frame and flushes, under the output lock (frames never interleave).
async fn write_frame<O: AsyncWrite + Unpin>(output: &SharedOutput<O>, frame: &[u8]) -> bool {
    let mut output = output.lock().await;
    output.write_all(frame).await.is_ok() && output.flush().await.is_ok()
}

/// At most `max` characters of `text`, for messages that quote input.
fn shorten(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((i, _)) => format!("{}…", &text[..i]),
        None => text.to_string(),
    }
}

/// Client → server: decodes `input`, forwards well-formed messages to the server's pipe, answers
/// malformed ones on `output`. Stops after `exit` or at the end of the input.
async fn read_input<I, O>(
    mut input: I,
    mut to_server: DuplexStream,
    output: SharedOutput<O>,
) -> Ended
where
    I: AsyncRead + Unpin,
    O: AsyncWrite + Unpin,
{
    let mut decoder = Decoder::default();
    let mut chunk = vec![0u8; 64 << 10];
    let mut after_shutdown = false;
    loop {
        let n = match input.read(&mut chunk).await {
            Ok(n) => n,
            Err(e) => {
                eprintln!("flyway-lsp: cannot read the input: {e}");
                0
            }
        };
        if n == 0 {
            decoder.end();
        } else {
            decoder.push(&chunk[..n]);
        }
        while let Some(frame) = decoder.next_frame() {
            match frame {
                Frame::Message { body, method } => {
                    if to_server.write_all(&encode(&body)).await.is_err() {
                        return Ended::EndOfInput; // the server is gone
                    }
                    match method.as_deref() {
                        Some("shutdown") => after_shutdown = true,
                        Some("exit") => return Ended::Exit { after_shutdown },
                        _ => {}
                    }
                }
                Frame::Malformed { code, reason } => {
                    let reason = shorten(&reason, 200);
                    eprintln!(
                        "flyway-lsp: a malformed message was answered with error {code}: {reason}"
                    );
                    write_frame(&output, &error_response(code, &reason)).await;
                }
            }
        }
        if n == 0 {
            return Ended::EndOfInput;
        }
    }
}

/// Server → client: re-frames what the server writes, whole frames only, onto `output`.
async fn pump_output<O: AsyncWrite + Unpin>(
    mut from_server: DuplexStream,
    output: SharedOutput<O>,
) {
    let mut decoder = Decoder::new(usize::MAX, false);
    let mut chunk = vec![0u8; 64 << 10];
    loop {
        let n = from_server.read(&mut chunk).await.unwrap_or(0);
        if n == 0 {
            return;
        }
        decoder.push(&chunk[..n]);
        while let Some(frame) = decoder.next_frame() {
            if let Frame::Message { body, .. } = frame {
                if !write_frame(&output, &encode(&body)).await {
                    return;
                }
            }
        }
    }
}

/// How long requests still running may take to finish once the client said `exit`, or closed
/// its output (it may still read ours).
const GRACE_AFTER_EXIT: Duration = Duration::from_secs(2);
const GRACE_AFTER_END: Duration = Duration::from_secs(10);

/// Runs `service` on `input` / `output` through the framing layer until `exit` or the end of
/// the input; what the server answers in time is written before this returns.
pub async fn run<S, I, O>(
    input: I,
    output: O,
    service: tower_lsp_server::LspService<S>,
    socket: tower_lsp_server::ClientSocket,
) -> Ended
where
    S: tower_lsp_server::LanguageServer,
    I: AsyncRead + Unpin + Send + 'static,
    O: AsyncWrite + Unpin + Send + 'static,
{
    let output = Arc::new(Mutex::new(output));
    let (to_server, server_in) = tokio::io::duplex(1 << 20);
    let (server_out, from_server) = tokio::io::duplex(1 << 20);
    let mut pump = tokio::spawn(pump_output(from_server, Arc::clone(&output)));
    let mut reader = tokio::spawn(read_input(input, to_server, Arc::clone(&output)));
    let mut serve =
        Box::pin(tower_lsp_server::Server::new(server_in, server_out, socket).serve(service));
    let ended = tokio::select! {
        _ = &mut serve => None,
        ended = &mut reader => Some(ended.unwrap_or(Ended::EndOfInput)),
    };
    let ended = match ended {
        Some(ended) => {
            // The server has seen `exit` or the end of its input: requests under way may finish.
            let grace = match ended {
                Ended::Exit { .. } => GRACE_AFTER_EXIT,
                Ended::EndOfInput => GRACE_AFTER_END,
            };
            let _ = tokio::time::timeout(grace, &mut serve).await;
            ended
        }
        // The server stopped by itself; the reader ends with it.
        None => match tokio::time::timeout(GRACE_AFTER_EXIT, &mut reader).await {
            Ok(Ok(ended)) => ended,
            _ => {
                reader.abort();
                Ended::EndOfInput
            }
        },
    };
    // Dropping the server drops its writer: the pump ends once all of it is written.
    drop(serve);
    if tokio::time::timeout(GRACE_AFTER_EXIT, &mut pump)
        .await
        .is_err()
    {
        pump.abort();
    }
    ended
}

fn decode_in_chunks(input: &[u8], chunk: usize) -> Vec<Frame> {
    let mut decoder = Decoder::default();
    let mut out = Vec::new();
    for piece in input.chunks(chunk) {
        decoder.push(piece);
        while let Some(frame) = decoder.next_frame() {
            out.push(frame);
        }
        // Nothing beyond what a frame needs is kept.
        assert!(decoder.buffered() <= input.len());
    }
    decoder.end();
    while let Some(frame) = decoder.next_frame() {
        out.push(frame);
    }
    assert_eq!(decoder.next_frame(), None);
    out
}

/// The fuzz property of the framing layer (`server/fuzz`, target `lsp_transport`; also run on
/// pseudo-random inputs by the unit tests). `data` builds a stream of well-formed frames, raw
/// bytes, frames with a wrong Content-Length and frames with arbitrary bodies; it is decoded in
/// one piece and in chunks. Panics unless: the same frames come out whatever the chunking, every
/// well-formed frame is delivered in order (garbage before it never swallows it), every
/// delivered body is JSON-RPC, and errors stay bounded (one per malformed piece, plus one per header terminator the random bytes hold).
#[doc(hidden)]
pub fn check_stream(data: &[u8]) {
    let Some((&first, mut rest)) = data.split_first() else {
        return;
    };
    let chunk = usize::from(first % 29) + 1;
    let mut input = Vec::new();
    let mut expected: Vec<Vec<u8>> = Vec::new();
    let mut pieces = 0usize;
    let take = |rest: &mut &[u8], n: usize| -> Vec<u8> {
        let n = n.min(rest.len());
        let (head, tail) = rest.split_at(n);
        *rest = tail;
        head.to_vec()
    };
    let well_formed = |id: usize| -> Vec<u8> {
        format!(r#"{{"jsonrpc":"2.0","id":"well-formed {id}","method":"textDocument/hover","params":{{"x":"é"}}}}"#)
            .into_bytes()
    };
    while let Some((&op, tail)) = rest.split_first() {
        rest = tail;
        let n = usize::from(op >> 2);
        pieces += 1;
        match op & 3 {
            0 => {
                let body = well_formed(expected.len());
                input.extend(encode(&body));
                expected.push(body);
            }
            1 => input.extend(take(&mut rest, n)),
            2 => {
                // A frame whose Content-Length is off by -32..=31.
                let body = well_formed(usize::MAX - n);
                let declared = (body.len() + n).saturating_sub(32);
                input.extend(format!("Content-Length: {declared}\r\n\r\n").as_bytes());
                input.extend(body);
            }
            _ => {
                let body = take(&mut rest, n);
                input.extend(format!("Content-Length: {}\r\n\r\n", body.len()).as_bytes());
                input.extend(body);
            }
        }
    }
    let last = well_formed(expected.len());
    input.extend(encode(&last));
    expected.push(last);

    let whole = decode_in_chunks(&input, input.len().max(1));
    let chunked = decode_in_chunks(&input, chunk);
    assert_eq!(whole, chunked, "chunks of {chunk}");

    let mut wanted = expected.iter().peekable();
    let mut errors = 0usize;
    for frame in &whole {
        match frame {
            Frame::Message { body, .. } => {
                let value: serde_json::Value =
                    serde_json::from_slice(body).expect("a delivered body is JSON");
                assert_eq!(value["jsonrpc"], "2.0");
                if wanted.peek() == Some(&body) {
                    wanted.next();
                }
            }
            Frame::Malformed { .. } => errors += 1,
        }
    }
    assert!(
        wanted.peek().is_none(),
        "a well-formed frame was lost: {:?}",
        wanted.peek().map(|b| String::from_utf8_lossy(b))
    );
    // Errors stay bounded by the input: at most one per piece (and the end), plus one per
    // header terminator that random bytes themselves hold (a raw piece can look like frames).
    let terminators = input.windows(4).filter(|w| w == b"\r\n\r\n").count();
    assert!(
        errors <= pieces + 1 + terminators,
        "{errors} errors for {pieces} pieces and {terminators} header terminators"
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(body: &str) -> Vec<u8> {
        encode(body.as_bytes())
    }

    const HOVER: &str = r#"{"jsonrpc":"2.0","id":7,"method":"textDocument/hover","params":{}}"#;

    fn kinds(frames: &[Frame]) -> Vec<String> {
        frames
            .iter()
            .map(|f| match f {
                Frame::Message { body, .. } => String::from_utf8_lossy(body).into_owned(),
                Frame::Malformed { code, .. } => format!("error {code}"),
            })
            .collect()
    }

    /// Each malformed case gets one error, and the well-formed message after it is delivered,
    /// whatever the chunking.
    #[test]
    fn every_malformed_case_then_the_next_message() {
        let cases: Vec<(&str, Vec<u8>, &[&str])> = vec![
            ("bad JSON", frame("{not json"), &["error -32700"]),
            (
                "invalid UTF-8",
                encode(b"{\"jsonrpc\":\"2.0\",\"method\":\"x\xff\"}"),
                &["error -32700"],
            ),
            ("not JSON-RPC", frame(r#"{"hello":1}"#), &["error -32600"]),
            ("a batch", frame("[]"), &["error -32600"]),
            (
                "missing Content-Length",
                b"Content-Type: application/vscode-jsonrpc; charset=utf-8\r\n\r\n{}".to_vec(),
                &["error -32700"],
            ),
            (
                "Content-Length not a number",
                b"Content-Length: ten\r\n\r\n{}".to_vec(),
                &["error -32700"],
            ),
            (
                "Content-Length larger than the body",
                b"Content-Length: 500\r\n\r\n{\"jsonrpc\":\"2.0\",\"method\":\"a\"}".to_vec(),
                &["error -32700"],
            ),
            (
                "Content-Length smaller than the body",
                b"Content-Length: 5\r\n\r\n{\"jsonrpc\":\"2.0\",\"method\":\"a\"}".to_vec(),
                &["error -32700"],
            ),
            (
                "Content-Length 2^63",
                b"Content-Length: 9223372036854775808\r\n\r\n{}".to_vec(),
                &["error -32700"],
            ),
            (
                "Content-Length beyond u64",
                b"Content-Length: 99999999999999999999999999\r\n\r\n{}".to_vec(),
                &["error -32700"],
            ),
            (
                "a header line without ':'",
                b"Content-Length: 2\r\nnonsense\r\n\r\n{}".to_vec(),
                &["error -32700"],
            ),
            (
                "garbage",
                b"\x00\x01garbage\xfe\r\n".to_vec(),
                &["error -32700"],
            ),
            (
                "a charset other than UTF-8",
                b"Content-Length: 2\r\nContent-Type: text/json; charset=latin1\r\n\r\n{}".to_vec(),
                &["error -32700"],
            ),
            (
                "an empty body",
                b"Content-Length: 0\r\n\r\n".to_vec(),
                &["error -32700"],
            ),
            (
                "a header value running into the next header",
                b"Content-Length: 5\r\nContent-Type: a; charset=utf-8; x=".to_vec(),
                &["error -32700"],
            ),
            (
                "a header block without end",
                [b"X-".as_slice(), &[b'a'; MAX_HEADER_BLOCK + 10]].concat(),
                &["error -32700"],
            ),
        ];
        for (name, bad, expected) in cases {
            let input = [bad.as_slice(), &frame(HOVER)].concat();
            let mut wanted: Vec<String> = expected.iter().map(|s| s.to_string()).collect();
            wanted.push(HOVER.to_string());
            for chunk in [1, 3, 7, 64, input.len()] {
                assert_eq!(
                    kinds(&decode_in_chunks(&input, chunk.max(1))),
                    wanted,
                    "{name}, chunks of {chunk}"
                );
            }
        }
    }

    #[test]
    fn well_formed_streams_pass_unchanged() {
        let other = r#"{"jsonrpc":"2.0","id":1,"result":null}"#;
        let input = [
            frame(HOVER),
            b"Content-Type: application/vscode-jsonrpc; charset=utf-8\r\n".to_vec(),
            frame(other),
            b"content-length:   5 \r\n\r\n".to_vec(),
        ]
        .concat();
        let mut input = input;
        // A lower-case header with blanks, then a body containing the header text in a string.
        let tricky = r#"{"jsonrpc":"2.0","method":"Content-Length: 12"}"#;
        input.truncate(input.len() - b"content-length:   5 \r\n\r\n".len());
        input.extend_from_slice(
            format!("content-length:   {} \r\n\r\n{tricky}", tricky.len()).as_bytes(),
        );
        for chunk in [1, 2, 5, input.len()] {
            assert_eq!(
                kinds(&decode_in_chunks(&input, chunk.max(1))),
                [HOVER, other, tricky],
                "chunks of {chunk}"
            );
        }
    }

    #[test]
    fn a_huge_length_allocates_nothing() {
        let mut decoder = Decoder::default();
        decoder.push(b"Content-Length: 9223372036854775807\r\n\r\n");
        assert!(matches!(
            decoder.next_frame(),
            Some(Frame::Malformed {
                code: PARSE_ERROR,
                ..
            })
        ));
        // Whatever follows is skipped without being kept.
        for _ in 0..100 {
            decoder.push(&[b'x'; 10_000]);
            assert_eq!(decoder.next_frame(), None);
        }
        assert!(decoder.buffered() < 100, "{}", decoder.buffered());
    }

    #[test]
    fn the_end_inside_a_message_is_one_error() {
        assert_eq!(
            kinds(&decode_in_chunks(b"Content-Length: 10\r\n\r\n{\"a\"", 4)),
            ["error -32700"]
        );
        assert_eq!(
            kinds(&decode_in_chunks(b"Content-Len", 4)),
            ["error -32700"]
        );
        assert!(decode_in_chunks(b"\r\n", 1).is_empty());
    }

    #[test]
    fn error_responses_are_json_rpc() {
        let out = error_response(PARSE_ERROR, "invalid JSON: x");
        let text = String::from_utf8(out).unwrap();
        let (head, body) = text.split_once("\r\n\r\n").unwrap();
        assert_eq!(head, format!("Content-Length: {}", body.len()));
        let value: serde_json::Value = serde_json::from_str(body).unwrap();
        assert_eq!(value["id"], serde_json::Value::Null);
        assert_eq!(value["error"]["code"], -32700);
        assert_eq!(value["error"]["message"], "Parse error");
    }

    /// The fuzz property on pseudo-random streams (a 64-bit LCG, so a failure reproduces).
    #[test]
    fn random_streams_keep_every_well_formed_frame() {
        let mut state = 0x2545_f491_4f6c_dd1du64;
        for _ in 0..3000 {
            let mut next = || {
                state = state
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                (state >> 33) as u8
            };
            let len = usize::from(next()) % 200;
            let data: Vec<u8> = (0..len)
                .map(|_| {
                    // Mostly structure bytes, so the pieces are often headers and JSON.
                    const ALPHABET: &[u8] = b"Content-Length: 12\r\n{}\"[]:,";
                    let b = next();
                    if b % 3 == 0 {
                        ALPHABET[usize::from(b) % ALPHABET.len()]
                    } else {
                        b
                    }
                })
                .collect();
            check_stream(&data);
        }
    }
}
