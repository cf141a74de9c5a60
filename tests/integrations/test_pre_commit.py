"""The pre-commit hook (.pre-commit-hooks.yaml), run by `pre-commit try-repo` on this repository
in a temporary git repository: it checks the staged migration files only."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BIN = os.environ.get("FLYWAY_LSP_BIN", str(ROOT / "target/debug/flyway-lsp"))


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True)


@pytest.fixture
def repo(tmp_path):
    if shutil.which("pre-commit") is None:
        pytest.fail("pre-commit is not installed (tests/integrations/run.sh installs it)")
    repo = tmp_path / "project"
    (repo / "db/migration").mkdir(parents=True)
    git(repo, "init", "-q", "-b", "main")
    git(repo, "config", "user.email", "test@example.com")
    git(repo, "config", "user.name", "test")
    git(repo, "config", "commit.gpgsign", "false")
    (repo / "db/migration/V1__create_product.sql").write_text(
        "CREATE TABLE product (id bigint PRIMARY KEY);\n"
    )
    (repo / "README.md").write_text("x\n")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "init")
    return repo


def try_repo(repo: Path, tmp_path: Path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("FLYWAY_")}
    env["PATH"] = f"{Path(BIN).parent}{os.pathsep}{env['PATH']}"
    env["PRE_COMMIT_HOME"] = str(tmp_path / "pre-commit-home")
    env["NO_COLOR"] = "1"
    return subprocess.run(
        ["pre-commit", "try-repo", str(ROOT), "flyway-lsp", "--color", "never"],
        cwd=repo, env=env, capture_output=True, text=True, timeout=300,
    )


def test_a_staged_migration_with_a_duplicate_version_fails_the_commit(repo, tmp_path):
    (repo / "db/migration/V001__add_price.sql").write_text("ALTER TABLE product ADD price int;\n")
    git(repo, "add", "db/migration/V001__add_price.sql")
    result = try_repo(repo, tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "flyway-lsp check" in result.stdout and "Failed" in result.stdout
    assert "db/migration/V001__add_price.sql:1:1: error[duplicate-version]" in result.stdout


def test_only_staged_files_are_checked(repo, tmp_path):
    # A good staged migration passes although an unstaged file beside it would fail.
    (repo / "db/migration/V2__add_price.sql").write_text(
        "SET lock_timeout = '5s';\nALTER TABLE product ADD price int;\n"
    )
    git(repo, "add", "db/migration/V2__add_price.sql")
    (repo / "db/migration/v3__lower_case.sql").write_text("SELECT 1;\n")
    result = try_repo(repo, tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Passed" in result.stdout
    assert "v3__lower_case" not in result.stdout


def test_nothing_staged_in_sql_skips_the_hook(repo, tmp_path):
    (repo / "README.md").write_text("changed\n")
    git(repo, "add", "README.md")
    result = try_repo(repo, tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "(no files to check)Skipped" in result.stdout
