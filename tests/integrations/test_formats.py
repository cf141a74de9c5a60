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
