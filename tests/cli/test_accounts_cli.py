"""``imageapp users create`` and ``imageapp stores set-quota`` as real subprocesses."""

from __future__ import annotations

from pathlib import Path

import pytest

from imageapp.db import get_engine
from imageapp.services.accounts import AccountService
from tests.cli.commands import run_cli


@pytest.fixture
def env(tmp_path: Path, sqlite_url: str) -> dict[str, str]:
    return {
        "IMAGEAPP_DATABASE_URL": sqlite_url,
        "IMAGEAPP_STORAGE_DIR": str(tmp_path / "storage"),
        "IMAGEAPP_SECRET_KEY": "x",
    }


def test_users_create_reads_the_password_from_stdin(env: dict[str, str]) -> None:
    result = run_cli(
        "users",
        "create",
        "--store",
        "Harbour",
        "--email",
        "Ann@Example.com",
        "--admin",
        env=env,
        stdin="a long secret password\n",
    )
    assert result.returncode == 0, result.stderr
    assert "Created admin ann@example.com in store 'Harbour'." in result.stdout
    assert "a long secret password" not in result.stdout + result.stderr
    accounts = AccountService(get_engine(env["IMAGEAPP_DATABASE_URL"]))
    user = accounts.authenticate(
        email="ann@example.com", password="a long secret password", address="cli-test"
    )
    assert user.is_admin
    assert not accounts.needs_setup()  # /nojs/setup is gone once a user exists


def test_users_create_refuses_bad_input_clearly(env: dict[str, str]) -> None:
    short = run_cli(
        "users", "create", "--store", "S", "--email", "a@example.com", env=env, stdin="short\n"
    )
    assert short.returncode == 1
    assert "password: Use at least 10 characters." in short.stderr
    args = ("users", "create", "--store", "S", "--email", "a@example.com")
    assert run_cli(*args, env=env, stdin="long enough password\n").returncode == 0
    again = run_cli(*args, env=env, stdin="long enough password\n")
    assert again.returncode == 1
    assert "exists already" in again.stderr


def test_stores_set_quota(env: dict[str, str]) -> None:
    run_cli(
        "users",
        "create",
        "--store",
        "Harbour",
        "--email",
        "a@example.com",
        env=env,
        stdin="long enough password\n",
    )
    result = run_cli(
        "stores",
        "set-quota",
        "--store",
        "Harbour",
        "--max-images",
        "10",
        "--max-bytes",
        "none",
        env=env,
    )
    assert result.returncode == 0, result.stderr
    missing = run_cli("stores", "set-quota", "--store", "Nope", "--max-images", "1", env=env)
    assert missing.returncode == 1
    assert "no store named 'Nope'" in missing.stderr
    bad = run_cli("stores", "set-quota", "--store", "Harbour", "--max-images", "-3", env=env)
    assert bad.returncode == 2


def test_help_lists_account_commands(env: dict[str, str]) -> None:
    assert "users" in run_cli("--help", env=env).stdout
    assert "standard input" in run_cli("users", "create", "--help", env=env).stdout
