"""The JUnit report is well-formed XML (parsed here by a real XML parser), hostile names included,
and its counts agree with the JSON format's."""

from __future__ import annotations

import json
import os
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BIN = os.environ.get("FLYWAY_LSP_BIN", str(ROOT / "target/debug/flyway-lsp"))


def check(cwd, *args):
    return subprocess.run([BIN, "check", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=120)


def test_junit_parses_and_counts_agree_with_json(tmp_path):
    sql = tmp_path / "sql"
    sql.mkdir()
    (sql / "V1__a.sql").write_text("CREATE TABLE a (id bigint);\n")
    (sql / "V1__x<b>&\"'\x1b]0;t\x07.sql").write_text("SELECT 1;\n")
    (sql / "V2__b.sql").write_text("ALTER TABLE a DROP COLUMN id; -- ]]> </failure>\n")
    for cwd, path in [(ROOT, "fixtures/postgres-snake/broken"), (tmp_path, "sql")]:
        junit = check(cwd, "--format", "junit", path)
        diagnostics = json.loads(check(cwd, "--format", "json", path).stdout)["diagnostics"]
        root = ET.fromstring(junit.stdout.encode())
        cases = root.findall("./testsuite/testcase")
        assert len(cases) == len(diagnostics) == int(root.get("tests"))
        failing = [d for d in diagnostics if d["severity"] in ("error", "warning")]
        assert len(root.findall("./testsuite/testcase/failure")) == len(failing)
        assert int(root.get("failures")) == len(failing)
        messages = sorted(f.get("message") for f in root.iter("failure"))
        assert messages == sorted(d["message"].replace("\x1b", "\\x1b").replace("\x07", "\\x07")
                                  for d in failing)


def run_on_terminal(args, env_extra=None):
    """Runs flyway-lsp with stdout and stderr on a pseudo-terminal; returns what it printed."""
    import pty
    import select

    controller, terminal = pty.openpty()
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "TERM")}
    # No progress indicator on the shared terminal, however slow the machine.
    env["FLYWAYLSP_PROGRESS_DELAY_MS"] = "3600000"
    env.update(env_extra or {})
    process = subprocess.Popen([BIN, *args], cwd=ROOT, stdout=terminal, stderr=terminal, env=env)
    os.close(terminal)
    output = b""
    while True:
        ready, _, _ = select.select([controller], [], [], 60)
        if not ready:
            break
        try:
            chunk = os.read(controller, 65536)
        except OSError:  # the terminal closed: the process ended
            break
        if not chunk:
            break
        output += chunk
    process.wait(timeout=60)
    os.close(controller)
    return process.returncode, output.decode("utf-8", "replace").replace("\r\n", "\n")


def test_on_a_terminal_frames_and_colour_are_on_unless_no_color():
    path = "fixtures/postgres-snake/broken"
    code, out = run_on_terminal(["check", path])
    assert code == 1
    assert "\x1b[1;31merror[duplicate-version]\x1b[0m" in out
    assert "3 |\x1b[0m ALTER TABLE orders ADD COLUMN priority" in out and "^^^" in out
    code, out = run_on_terminal(["check", path], {"NO_COLOR": "1"})
    assert "\x1b[" not in out.replace("\x1b[2K", "")
    assert "^^^" in out
    code, out = run_on_terminal(["check", "--no-source", "--color", "never", path])
    piped = check(ROOT, path).stdout
    assert out.replace("\r\x1b[2K", "") == piped


def stderr_on_terminal(args, cwd):
    """Runs flyway-lsp with stderr on a pseudo-terminal and stdout piped."""
    import pty
    import select

    controller, terminal = pty.openpty()
    env = {**os.environ, "FLYWAYLSP_PROGRESS_DELAY_MS": "0"}
    process = subprocess.Popen([BIN, *args], cwd=cwd, stdout=subprocess.PIPE, stderr=terminal,
                               env=env)
    os.close(terminal)
    err = b""
    while True:
        ready, _, _ = select.select([controller], [], [], 120)
        if not ready:
            break
        try:
            chunk = os.read(controller, 65536)
        except OSError:
            break
        if not chunk:
            break
        err += chunk
    out = process.stdout.read()
    process.wait(timeout=120)
    os.close(controller)
    return process.returncode, out.decode(), err.decode("utf-8", "replace")


def test_progress_shows_on_a_terminal_stderr_for_text_runs_only(tmp_path):
    sql = tmp_path / "sql"
    sql.mkdir()
    statement = "ALTER TABLE t ADD COLUMN c{} int;\n"
    (sql / "V1__t.sql").write_text("CREATE TABLE t (id bigint);\n")
    for i in range(2, 300):
        (sql / f"V{i}__m.sql").write_text("SET lock_timeout = '1s';\n" + statement.format(i))
    code, out, err = stderr_on_terminal(["check", "sql"], tmp_path)
    assert "checking… " in err and err.endswith("\r\x1b[2K"), repr(err[-200:])
    assert "checking" not in out and out.startswith("No problems found"), out[:300]
    _, json_out, err = stderr_on_terminal(["check", "--format", "json", "sql"], tmp_path)
    assert err == "" and json.loads(json_out)["version"] == 1
    _, _, err = stderr_on_terminal(["check", "--quiet", "sql"], tmp_path)
    assert err == ""
