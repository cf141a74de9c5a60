"""The GitHub Action's script (server/packaging/github-action/flyway_lsp_action.py): the job
summary, the one pull-request comment against a local server implementing the GitHub REST
endpoints it uses, and the release install with its SHA-256 checks against a local server
serving release assets. Runs the real flyway-lsp binary (FLYWAY_LSP_BIN) on the fixtures."""

from __future__ import annotations

import hashlib
import importlib.util
import io
import json
import os
import re
import subprocess
import sys
import tarfile
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "server/packaging/github-action/flyway_lsp_action.py"
BIN = os.environ.get("FLYWAY_LSP_BIN", str(ROOT / "target/debug/flyway-lsp"))
BROKEN = "fixtures/postgres-snake/broken"
CLEAN = "fixtures/postgres-snake/clean"
TOKEN = "ghs_test-token-never-printed"

spec = importlib.util.spec_from_file_location("flyway_lsp_action", SCRIPT)
action = importlib.util.module_from_spec(spec)
spec.loader.exec_module(action)


class FakeGitHub:
    """Issue comments of one repository, as GitHub's REST API serves them (pages of per_page)."""

    def __init__(self, repository: str):
        self.repository = repository
        self.comments: dict[int, list[dict]] = {}
        self.requests: list[tuple[str, str]] = []
        self.next_id = 1000
        self.lock = threading.Lock()

    def add(self, number: int, body: str) -> dict:
        comment = {"id": self.next_id, "body": body, "user": {"login": "someone"}}
        self.next_id += 1
        self.comments.setdefault(number, []).append(comment)
        return comment

    def handler(fake):  # noqa: N805 - the handler class closes over the fake
        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def reply(self, status, value=None):
                data = b"" if value is None else json.dumps(value).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def body(self):
                length = int(self.headers.get("Content-Length", "0"))
                return json.loads(self.rfile.read(length))

            def route(self, method):
                url = urlparse(self.path)
                with fake.lock:
                    fake.requests.append((method, url.path))
                    if self.headers.get("Authorization") != f"Bearer {TOKEN}":
                        return self.reply(401, {"message": "Bad credentials"})
                    repo = f"/repos/{fake.repository}"
                    m = re.fullmatch(re.escape(repo) + r"/issues/(\d+)/comments", url.path)
                    if m and method == "GET":
                        query = parse_qs(url.query)
                        per_page = int(query.get("per_page", ["30"])[0])
                        page = int(query.get("page", ["1"])[0])
                        items = fake.comments.get(int(m[1]), [])
                        return self.reply(200, items[(page - 1) * per_page: page * per_page])
                    if m and method == "POST":
                        comment = fake.add(int(m[1]), self.body()["body"])
                        return self.reply(201, comment)
                    m = re.fullmatch(re.escape(repo) + r"/issues/comments/(\d+)", url.path)
                    if m and method == "PATCH":
                        for comments in fake.comments.values():
                            for comment in comments:
                                if comment["id"] == int(m[1]):
                                    comment["body"] = self.body()["body"]
                                    return self.reply(200, comment)
                    return self.reply(404, {"message": "Not Found"})

            def do_GET(self):
                self.route("GET")

            def do_POST(self):
                self.route("POST")

            def do_PATCH(self):
                self.route("PATCH")

        return Handler


@pytest.fixture
def github():
    fake = FakeGitHub("owner/repo")
    server = ThreadingHTTPServer(("127.0.0.1", 0), fake.handler())
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    fake.url = f"http://127.0.0.1:{server.server_address[1]}"
    yield fake
    server.shutdown()
    server.server_close()


def run_action(tmp_path, github, number, *check_args, comment="true", fail_on_warnings="false",
               token=TOKEN):
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"pull_request": {"number": number}} if number else {"push": {}}))
    summary = tmp_path / "summary.md"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "FLYWAY_"))}
    env.update({
        "GITHUB_STEP_SUMMARY": str(summary),
        "GITHUB_EVENT_PATH": str(event),
        "GITHUB_REPOSITORY": "owner/repo",
        "GITHUB_API_URL": github.url,
        "GITHUB_TOKEN": token,
    })
    result = subprocess.run(
        [sys.executable, str(SCRIPT), "run", "--binary", BIN, "--comment", comment,
         "--fail-on-warnings", fail_on_warnings, "--", *check_args],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
    )
    assert TOKEN not in result.stdout + result.stderr
    return result, summary


def markdown_of(*args):
    return subprocess.run([BIN, "check", "--format", "markdown", *args], cwd=ROOT,
                          capture_output=True, text=True, check=False).stdout


def test_annotations_summary_and_one_comment_created_then_edited(tmp_path, github):
    github.add(7, "an unrelated comment")
    result, summary = run_action(tmp_path, github, 7, BROKEN)
    assert result.returncode == 1, result.stderr
    assert "::error file=fixtures/postgres-snake/broken/" in result.stdout
    assert "pull-request comment created" in result.stdout
    expected = markdown_of(BROKEN)
    assert "| Level | Rule |" in expected
    assert summary.read_text() == expected.rstrip() + "\n"
    ours = [c for c in github.comments[7] if action.MARKER in c["body"]]
    assert len(ours) == 1 and expected.rstrip() in ours[0]["body"]

    # A later push: the same comment is edited, none added; same findings: left alone.
    result, _ = run_action(tmp_path, github, 7, CLEAN)
    assert result.returncode == 0, result.stderr
    assert "pull-request comment updated" in result.stdout
    ours = [c for c in github.comments[7] if action.MARKER in c["body"]]
    assert len(github.comments[7]) == 2 and len(ours) == 1
    assert "No problems found" in ours[0]["body"]
    result, _ = run_action(tmp_path, github, 7, CLEAN)
    assert "pull-request comment unchanged" in result.stdout
    assert [m for m, _ in github.requests].count("PATCH") == 1
    assert [m for m, _ in github.requests].count("POST") == 1


def test_the_marker_is_found_past_the_first_page(tmp_path, github):
    for i in range(150):
        github.add(9, f"chatter {i}")
    run_action(tmp_path, github, 9, BROKEN)
    for i in range(100):
        github.add(9, f"more chatter {i}")
    result, _ = run_action(tmp_path, github, 9, CLEAN)
    assert "pull-request comment updated" in result.stdout
    assert sum(action.MARKER in c["body"] for c in github.comments[9]) == 1


def test_no_comment_when_clean_and_none_yet_or_not_a_pull_request_or_off(tmp_path, github):
    result, summary = run_action(tmp_path, github, 5, CLEAN)
    assert result.returncode == 0
    assert github.comments.get(5) is None
    assert "No problems found" in summary.read_text()
    result, _ = run_action(tmp_path, github, None, BROKEN)
    assert "not a pull request" in result.stdout
    result, _ = run_action(tmp_path, github, 5, BROKEN, comment="false")
    assert not [r for r in github.requests if r[0] != "GET"]
    result, _ = run_action(tmp_path, github, 5, BROKEN, token="")
    assert "GITHUB_TOKEN is empty" in result.stdout


def test_a_refused_token_is_one_line_and_never_printed(tmp_path, github):
    github_wrong = github
    result, _ = run_action(tmp_path, github_wrong, 3, BROKEN, token="wrong-token")
    assert result.returncode == 3
    assert "::error title=flyway-lsp::GitHub API GET" in result.stdout
    assert "HTTP 401" in result.stdout and "wrong-token" not in result.stdout


def test_warnings_pass_unless_asked_and_usage_errors_pass_through(tmp_path, github):
    folder = tmp_path / "sql"
    folder.mkdir()
    (folder / "V1__a.sql").write_text("CREATE TABLE a (id bigint);\n")
    (folder / "V2__b.sql").write_text("ALTER TABLE a DROP COLUMN id;\n")
    direct = subprocess.run([BIN, "check", str(folder)], capture_output=True, text=True)
    assert direct.returncode == 2, direct.stdout
    result, _ = run_action(tmp_path, github, None, str(folder))
    assert result.returncode == 0
    result, _ = run_action(tmp_path, github, None, str(folder), fail_on_warnings="true")
    assert result.returncode == 2
    result, _ = run_action(tmp_path, github, None, str(tmp_path / "missing"))
    assert result.returncode == 3
    assert "does not exist" in result.stderr


def test_long_reports_are_cut_to_a_comment_github_accepts():
    table = "| a | b |\n" * 20_000
    body = action.comment_body(table)
    assert len(body) <= action.MAX_BODY and body.startswith(action.MARKER)
    assert body.endswith("The job summary has all findings.)\n")


# --- install ---------------------------------------------------------------------------------


@pytest.fixture
def release(tmp_path):
    """A local server with release assets: an archive and SHA256SUMS."""
    assets: dict[str, bytes] = {}

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_GET(self):
            data = assets.get(self.path.rsplit("/", 1)[-1])
            self.send_response(200 if data is not None else 404)
            self.send_header("Content-Length", str(len(data or b"")))
            self.end_headers()
            self.wfile.write(data or b"")

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield assets, f"http://127.0.0.1:{server.server_address[1]}/v0.1.0"
    server.shutdown()
    server.server_close()


def tarball(binary: bytes) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as t:
        for name, data in [("flyway-lsp-0.1.0/README.md", b"x"), ("flyway-lsp-0.1.0/flyway-lsp", binary)]:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            t.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def install(tmp_path, base, *extra):
    github_path = tmp_path / "github_path"
    env = {**os.environ, "GITHUB_PATH": str(github_path)}
    result = subprocess.run(
        [sys.executable, str(SCRIPT), "install", "--version", "v0.1.0", "--repository", "o/r",
         "--target", "x86_64-unknown-linux-musl", "--dest", str(tmp_path / "bin"),
         "--base-url", base, *extra],
        env=env, capture_output=True, text=True, timeout=60,
    )
    return result, github_path


def test_install_checks_the_sha256_and_puts_the_binary_on_the_path(tmp_path, release):
    assets, base = release
    # A stand-in binary: the real one is hundreds of MB in a debug build.
    binary = b"#!/bin/sh\necho flyway-lsp 0.1.0\n"
    archive = tarball(binary)
    name = "flyway-lsp-0.1.0-x86_64-unknown-linux-musl.tar.gz"
    digest = hashlib.sha256(archive).hexdigest()
    assets[name] = archive
    assets["SHA256SUMS"] = f"{'0' * 64}  other.zip\n{digest}  {name}\n".encode()
    result, github_path = install(tmp_path, base, "--sha256", digest.upper())
    assert result.returncode == 0, result.stdout
    installed = tmp_path / "bin" / "flyway-lsp"
    assert installed.read_bytes() == binary and os.access(installed, os.X_OK)
    assert github_path.read_text() == f"{tmp_path / 'bin'}\n"
    version = subprocess.run([str(installed), "--version"], capture_output=True, text=True)
    assert version.stdout == "flyway-lsp 0.1.0\n"


def test_install_refuses_a_wrong_sum_or_a_wrong_pin_or_a_missing_asset(tmp_path, release):
    assets, base = release
    name = "flyway-lsp-0.1.0-x86_64-unknown-linux-musl.tar.gz"
    archive = tarball(b"#!/bin/sh\necho tampered\n")
    assets[name] = archive
    assets["SHA256SUMS"] = f"{'a' * 64}  {name}\n".encode()
    result, _ = install(tmp_path, base)
    assert result.returncode == 3 and "SHA256SUMS says" in result.stdout
    assert not (tmp_path / "bin" / "flyway-lsp").exists()
    assets["SHA256SUMS"] = f"{hashlib.sha256(archive).hexdigest()}  {name}\n".encode()
    result, _ = install(tmp_path, base, "--sha256", "b" * 64)
    assert result.returncode == 3 and "the workflow pins" in result.stdout
    assert not (tmp_path / "bin" / "flyway-lsp").exists()
    del assets[name]
    result, _ = install(tmp_path, base)
    assert result.returncode == 3 and "HTTP 404" in result.stdout


def test_install_without_a_repository_says_so(tmp_path):
    result = subprocess.run(
        [sys.executable, str(SCRIPT), "install", "--version", "0.1.0", "--repository", "",
         "--dest", str(tmp_path / "bin")], capture_output=True, text=True, timeout=60)
    assert result.returncode == 3
    assert "set the action's `repository` input" in result.stdout


def test_runner_platforms_map_to_release_targets():
    assert action.target_triple("Linux", "X64") == "x86_64-unknown-linux-musl"
    assert action.target_triple("Linux", "ARM64") == "aarch64-unknown-linux-musl"
    assert action.target_triple("macOS", "ARM64") == "aarch64-apple-darwin"
    assert action.target_triple("Windows", "X64") == "x86_64-pc-windows-msvc"
    with pytest.raises(action.ActionError):
        action.target_triple("Windows", "ARM64")
    assert action.archive_name("0.1.0", "x86_64-pc-windows-msvc").endswith(".zip")


def test_action_yml_runs_this_script_with_declared_inputs():
    import yaml  # installed with pre-commit

    action_yml = (ROOT / "action.yml").read_text()
    spec_ = yaml.safe_load(action_yml)
    assert spec_["runs"]["using"] == "composite"
    declared = set(spec_["inputs"])
    used = set(re.findall(r"inputs\.([A-Za-z0-9_-]+)", action_yml))
    assert used <= declared, used - declared
    scripts = {step["env"]["SCRIPT"] for step in spec_["runs"]["steps"]}
    for script in scripts:
        path = ROOT / script.replace("${{ github.action_path }}/", "")
        assert path == SCRIPT, path
    commands = " ".join(step["run"] for step in spec_["runs"]["steps"])
    assert '"$SCRIPT" install' in commands and '"$SCRIPT" run' in commands
