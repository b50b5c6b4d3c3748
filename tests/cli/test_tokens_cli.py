"""``imageapp tokens create/list/revoke`` as real subprocesses; the created token works."""

from __future__ import annotations

from pathlib import Path

import pytest

from imageapp.db import get_engine
from imageapp.services.accounts import AccountService
from imageapp.services.api_tokens import ApiTokenService
from tests.cli.commands import run_cli


@pytest.fixture
def env(tmp_path: Path, sqlite_url: str) -> dict[str, str]:
    AccountService(get_engine(sqlite_url)).create_user(
        store_name="Harbour", email="ann@example.com", password="a long secret password"
    )
    return {
        "IMAGEAPP_DATABASE_URL": sqlite_url,
        "IMAGEAPP_STORAGE_DIR": str(tmp_path / "storage"),
        "IMAGEAPP_SECRET_KEY": "x",
    }


def test_create_prints_the_token_alone_on_the_last_line(
    env: dict[str, str], sqlite_url: str
) -> None:
    result = run_cli(
        "tokens", "create", "--email", "Ann@Example.com", "--name", "shop site", env=env
    )
    assert result.returncode == 0, result.stderr
    last = result.stdout.splitlines()[-1]
    assert last.startswith("imageapp_")
    assert last == last.strip()
    assert " " not in last
    found = ApiTokenService(get_engine(sqlite_url)).user_for_token(last)
    assert found is not None
    assert (found.user.email, found.scope) == ("ann@example.com", "read")
    assert "shown only this once" in result.stdout


def test_write_token_listed_then_revoked_by_name(env: dict[str, str], sqlite_url: str) -> None:
    made = run_cli(
        "tokens",
        "create",
        "--email",
        "ann@example.com",
        "--name",
        "uploader",
        "--scope",
        "write",
        env=env,
    )
    assert made.returncode == 0, made.stderr
    value = made.stdout.splitlines()[-1]
    listed = run_cli("tokens", "list", env=env)
    assert listed.returncode == 0
    assert "uploader" in listed.stdout
    assert "write" in listed.stdout
    assert "never" in listed.stdout
    assert value not in listed.stdout  # never the value
    revoked = run_cli(
        "tokens", "revoke", "--email", "ann@example.com", "--name", "uploader", env=env
    )
    assert revoked.returncode == 0, revoked.stderr
    assert "revoked" in revoked.stdout
    assert ApiTokenService(get_engine(sqlite_url)).user_for_token(value) is None
    assert run_cli("tokens", "list", env=env).stdout.strip() == "No tokens."


def test_revoke_by_id(env: dict[str, str], sqlite_url: str) -> None:
    made = run_cli("tokens", "create", "--email", "ann@example.com", "--name", "x", env=env)
    value = made.stdout.splitlines()[-1]
    token_id = ApiTokenService(get_engine(sqlite_url)).user_for_token(value).token_id  # type: ignore[union-attr]
    assert run_cli("tokens", "revoke", "--id", str(token_id), env=env).returncode == 0
    again = run_cli("tokens", "revoke", "--id", str(token_id), env=env)
    assert again.returncode == 1
    assert "no token" in again.stderr.lower()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--email", "nobody@example.com", "--name", "x"], "no user"),
        (["--email", "ann@example.com", "--name", "   "], "name"),
    ],
)
def test_create_refusals(env: dict[str, str], args: list[str], message: str) -> None:
    result = run_cli("tokens", "create", *args, env=env)
    assert result.returncode == 1
    assert message in result.stderr.lower()
    assert result.stdout == ""


def test_duplicate_names_and_bad_scope(env: dict[str, str]) -> None:
    args = ("tokens", "create", "--email", "ann@example.com", "--name", "site")
    assert run_cli(*args, env=env).returncode == 0
    again = run_cli(*args, env=env)
    assert again.returncode == 1
    assert "already have a token called 'site'" in again.stderr
    bad = run_cli(*args, "--scope", "admin", env=env)
    assert bad.returncode == 2  # argparse: invalid choice
    assert "invalid choice" in bad.stderr


def test_help_says_how_to_take_the_token(env: dict[str, str]) -> None:
    result = run_cli("tokens", "create", "--help", env=env)
    assert result.returncode == 0
    assert "last" in result.stdout
    assert "--scope" in result.stdout
    assert "revoke" in run_cli("tokens", "--help", env=env).stdout
