"""``imageapp users create`` and ``imageapp stores set-quota`` as real subprocesses."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from imageapp.db import get_engine
from imageapp.services.accounts import AccountService


@pytest.fixture
def env(tmp_path: Path, sqlite_url: str) -> dict[str, str]:
    return {
        "IMAGEAPP_DATABASE_URL": sqlite_url,
        "IMAGEAPP_STORAGE_DIR": str(tmp_path / "storage"),
        "IMAGEAPP_SECRET_KEY": "x",
    }


def imageapp(*args: str, env: dict[str, str], stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "imageapp", *args],
        input=stdin,
        env=os.environ | env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_users_create_reads_the_password_from_stdin(env: dict[str, str]) -> None:
    result = imageapp(
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
    short = imageapp(
        "users", "create", "--store", "S", "--email", "a@example.com", env=env, stdin="short\n"
    )
    assert short.returncode == 1
    assert "password: Use at least 10 characters." in short.stderr
    args = ("users", "create", "--store", "S", "--email", "a@example.com")
    assert imageapp(*args, env=env, stdin="long enough password\n").returncode == 0
    again = imageapp(*args, env=env, stdin="long enough password\n")
    assert again.returncode == 1
    assert "exists already" in again.stderr


def test_stores_set_quota(env: dict[str, str]) -> None:
    imageapp(
        "users",
        "create",
        "--store",
        "Harbour",
        "--email",
        "a@example.com",
        env=env,
        stdin="long enough password\n",
    )
    result = imageapp(
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
    missing = imageapp("stores", "set-quota", "--store", "Nope", "--max-images", "1", env=env)
    assert missing.returncode == 1
    assert "no store named 'Nope'" in missing.stderr
    bad = imageapp("stores", "set-quota", "--store", "Harbour", "--max-images", "-3", env=env)
    assert bad.returncode == 2


def test_help_lists_account_commands(env: dict[str, str]) -> None:
    assert "users" in imageapp("--help", env=env).stdout
    assert "standard input" in imageapp("users", "create", "--help", env=env).stdout
