#!/usr/bin/env python3
"""The logic of the flyway-lsp GitHub Action (action.yml at the repository root).

Two subcommands, Python standard library only:

install  downloads a release archive for the runner's platform, checks its SHA-256 (against the
         release's SHA256SUMS, and against a pinned hash when one is given), unpacks the binary
         and puts its folder on GITHUB_PATH.
run      runs `flyway-lsp check` twice on the same arguments: once with `--format github` (the
         annotations go to the log, where the runner turns them into annotations), once with
         `--format markdown` (the table goes to GITHUB_STEP_SUMMARY and, opt-in, into one
         pull-request comment kept up to date: found by a hidden marker, created once, edited
         on later pushes). Exits with the check's status (warnings only: 0 unless
         fail-on-warnings).

The token is read from the environment (GITHUB_TOKEN) and never printed.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import os
import platform
import subprocess
import sys
import tarfile
import urllib.error
import urllib.parse
import urllib.request
import zipfile

MARKER = "<!-- flyway-lsp:pull-request-comment -->"
# GitHub refuses comment bodies over 65,536 characters.
MAX_BODY = 65_000
USER_AGENT = "flyway-lsp-action"


class ActionError(Exception):
    """A failure worth one line in the log."""


# ---------------------------------------------------------------------------------------------
# install


def target_triple(system: str, machine: str) -> str:
    """The release target for a runner (RUNNER_OS / RUNNER_ARCH, or platform's names)."""
    system = system.lower()
    machine = machine.lower()
    arch = {"x64": "x86_64", "amd64": "x86_64", "x86_64": "x86_64",
            "arm64": "aarch64", "aarch64": "aarch64"}.get(machine)
    if arch is None:
        raise ActionError(f"no flyway-lsp release for the {machine} architecture")
    if system == "linux":
        return f"{arch}-unknown-linux-musl"
    if system in ("macos", "darwin"):
        return f"{arch}-apple-darwin"
    if system == "windows" and arch == "x86_64":
        return "x86_64-pc-windows-msvc"
    raise ActionError(f"no flyway-lsp release for {system} on {machine}")


def archive_name(version: str, target: str) -> str:
    extension = "zip" if "windows" in target else "tar.gz"
    return f"flyway-lsp-{version}-{target}.{extension}"


def fetch(url: str, limit: int = 200 * 1024 * 1024) -> bytes:
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            data = response.read(limit + 1)
    except urllib.error.HTTPError as err:
        raise ActionError(f"download failed: {url}: HTTP {err.code}") from None
    except urllib.error.URLError as err:
        raise ActionError(f"download failed: {url}: {err.reason}") from None
    if len(data) > limit:
        raise ActionError(f"download failed: {url}: larger than {limit} bytes")
    return data


def expected_sum(sums: str, name: str) -> str:
    """The hash SHA256SUMS (sha256sum's format) gives for `name`."""
    for line in sums.splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[1].lstrip("*") == name:
            return parts[0].lower()
    raise ActionError(f"SHA256SUMS has no line for {name}")


def unpack_binary(archive: bytes, name: str, dest: str) -> str:
    """Writes the archive's `flyway-lsp` binary (at any depth) into `dest`; only that member is
    read, so no archive path can write outside `dest`."""
    binary = "flyway-lsp.exe" if name.endswith(".zip") else "flyway-lsp"
    data = None
    if name.endswith(".zip"):
        with zipfile.ZipFile(io.BytesIO(archive)) as z:
            for info in z.infolist():
                if info.filename.rsplit("/", 1)[-1] == binary and not info.is_dir():
                    data = z.read(info)
                    break
    else:
        with tarfile.open(fileobj=io.BytesIO(archive), mode="r:gz") as t:
            for member in t.getmembers():
                if member.name.rsplit("/", 1)[-1] == binary and member.isfile():
                    data = t.extractfile(member).read()
                    break
    if data is None:
        raise ActionError(f"{name} holds no {binary}")
    os.makedirs(dest, exist_ok=True)
    path = os.path.join(dest, binary)
    with open(path, "wb") as f:
        f.write(data)
    os.chmod(path, 0o755)
    return path


def install(args: argparse.Namespace) -> int:
    version = args.version.removeprefix("v")
    if not args.base_url and "/" not in args.repository.strip("/"):
        raise ActionError("cannot tell which repository the releases are in: set the action's `repository` input")
    target = args.target or target_triple(
        os.environ.get("RUNNER_OS", platform.system()),
        os.environ.get("RUNNER_ARCH", platform.machine()),
    )
    name = archive_name(version, target)
    base = args.base_url or f"https://github.com/{args.repository}/releases/download/v{version}"
    base = base.rstrip("/")
    archive = fetch(f"{base}/{name}")
    actual = hashlib.sha256(archive).hexdigest()
    published = expected_sum(fetch(f"{base}/SHA256SUMS").decode("utf-8", "replace"), name)
    if actual != published:
        raise ActionError(f"SHA-256 of {name} is {actual}, SHA256SUMS says {published}: not installed")
    if args.sha256 and actual != args.sha256.lower():
        raise ActionError(f"SHA-256 of {name} is {actual}, the workflow pins {args.sha256}: not installed")
    path = unpack_binary(archive, name, args.dest)
    github_path = os.environ.get("GITHUB_PATH")
    if github_path:
        with open(github_path, "a", encoding="utf-8") as f:
            f.write(os.path.dirname(os.path.abspath(path)) + "\n")
    print(f"installed flyway-lsp {version} ({target}, sha256 {actual}) at {path}")
    return 0


# ---------------------------------------------------------------------------------------------
# pull-request comment


class GitHub:
    """The few REST endpoints the comment needs."""

    def __init__(self, api: str, repository: str, token: str):
        self.api = api.rstrip("/")
        self.repository = repository
        self.token = token

    def request(self, method: str, path: str, body: dict | None = None):
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(
            f"{self.api}{path}",
            data=data,
            method=method,
            headers={
                "Authorization": f"Bearer {self.token}",
                "Accept": "application/vnd.github+json",
                "X-GitHub-Api-Version": "2022-11-28",
                "User-Agent": USER_AGENT,
                **({"Content-Type": "application/json"} if data is not None else {}),
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                text = response.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as err:
            raise ActionError(f"GitHub API {method} {path}: HTTP {err.code}") from None
        except urllib.error.URLError as err:
            raise ActionError(f"GitHub API {method} {path}: {err.reason}") from None
        return json.loads(text) if text else None

    def comments(self, number: int):
        page = 1
        while True:
            batch = self.request(
                "GET",
                f"/repos/{self.repository}/issues/{number}/comments?per_page=100&page={page}",
            )
            if not isinstance(batch, list):
                raise ActionError("GitHub API: the comment list is not a list")
            yield from batch
            if len(batch) < 100:
                return
            page += 1

    def upsert(self, number: int, body: str) -> str:
        """Edits the comment carrying the marker, or creates it; returns what it did."""
        for comment in self.comments(number):
            if MARKER in (comment.get("body") or ""):
                if comment.get("body") == body:
                    return "unchanged"
                self.request(
                    "PATCH",
                    f"/repos/{self.repository}/issues/comments/{comment['id']}",
                    {"body": body},
                )
                return "updated"
        self.request("POST", f"/repos/{self.repository}/issues/{number}/comments", {"body": body})
        return "created"

    def find(self, number: int):
        return next((c for c in self.comments(number) if MARKER in (c.get("body") or "")), None)


def comment_body(markdown: str) -> str:
    body = f"{MARKER}\n{markdown.rstrip()}\n"
    if len(body) <= MAX_BODY:
        return body
    cut = body.rfind("\n", 0, MAX_BODY - 200)
    return body[:cut] + "\n\n(The list is cut here: GitHub limits a comment's length. The job summary has all findings.)\n"


def pull_request_number(event_path: str | None) -> int | None:
    if not event_path or not os.path.isfile(event_path):
        return None
    with open(event_path, encoding="utf-8") as f:
        event = json.load(f)
    number = (event.get("pull_request") or {}).get("number")
    return number if isinstance(number, int) else None


# ---------------------------------------------------------------------------------------------
# run


def run(args: argparse.Namespace) -> int:
    command = [args.binary, "check", *args.check_args]
    annotations = subprocess.run([*command, "--format", "github"], stdout=subprocess.PIPE, check=False)
    sys.stdout.buffer.write(annotations.stdout)
    sys.stdout.flush()
    status = annotations.returncode
    if status not in (0, 1, 2):
        # A usage, configuration or database error: its one line is already on stderr.
        return status
    table = subprocess.run([*command, "--format", "markdown"], stdout=subprocess.PIPE, check=False)
    markdown = table.stdout.decode("utf-8", "replace")
    summary = os.environ.get("GITHUB_STEP_SUMMARY")
    if summary:
        with open(summary, "a", encoding="utf-8") as f:
            f.write(markdown.rstrip() + "\n")
    if args.comment:
        token = os.environ.get("GITHUB_TOKEN", "")
        number = pull_request_number(os.environ.get("GITHUB_EVENT_PATH"))
        if not token:
            print("::warning title=flyway-lsp::comment is on but GITHUB_TOKEN is empty: no comment")
        elif number is None:
            print("flyway-lsp: not a pull request: no comment")
        else:
            github = GitHub(
                os.environ.get("GITHUB_API_URL", "https://api.github.com"),
                os.environ["GITHUB_REPOSITORY"],
                token,
            )
            if status == 0 and github.find(number) is None:
                print("flyway-lsp: no findings and no earlier comment: no comment")
            else:
                what = github.upsert(number, comment_body(markdown))
                print(f"flyway-lsp: pull-request comment {what}")
    if status == 2 and not args.fail_on_warnings:
        return 0
    return status


def truthy(text: str) -> bool:
    return text.strip().lower() in ("1", "true", "yes", "on")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="flyway_lsp_action")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("install")
    p.add_argument("--version", required=True)
    p.add_argument("--repository", required=True)
    p.add_argument("--dest", required=True)
    p.add_argument("--sha256", default="")
    p.add_argument("--target", default="")
    p.add_argument("--base-url", default="", help="where the release assets are (tests)")
    p = sub.add_parser("run")
    p.add_argument("--binary", default="flyway-lsp")
    p.add_argument("--comment", type=truthy, default=False)
    p.add_argument("--fail-on-warnings", type=truthy, default=False)
    p.add_argument("check_args", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)
    if args.command == "run" and args.check_args[:1] == ["--"]:
        args.check_args = args.check_args[1:]
    try:
        return install(args) if args.command == "install" else run(args)
    except ActionError as err:
        print(f"::error title=flyway-lsp::{err}")
        return 3


if __name__ == "__main__":
    sys.exit(main())
