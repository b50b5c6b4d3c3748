"""``imageapp users ...`` and ``imageapp stores ...``: accounts for scripts and operators."""

from __future__ import annotations

import argparse
import getpass
import sys

from imageapp.config import get_settings
from imageapp.db import get_engine
from imageapp.services.accounts import AccountService
from imageapp.services.errors import FormInvalid, ImageAppError


def _limit(text: str) -> int | None:
    """A positive whole number, or 'none' for no limit."""
    if text.lower() == "none":
        return None
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"not a positive whole number (or 'none'): {text!r}")
    return int(text)


def add_account_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    users = commands.add_parser("users", help="manage who can log in")
    user_actions = users.add_subparsers(dest="action", metavar="ACTION", required=True)
    create = user_actions.add_parser(
        "create",
        help="create a user (and the store, if new)",
        description="Create a user in a store; the store is created if it does not exist. "
        "The password is read from standard input (first line), so it never shows in "
        'the process list or the shell history: echo "$PASSWORD" | imageapp users create ...',
    )
    create.add_argument("--store", required=True, metavar="NAME", help="the store's name")
    create.add_argument("--email", required=True, metavar="EMAIL", help="the login email")
    create.add_argument("--admin", action="store_true", help="may add people to the store")
    create.set_defaults(handler=_create_user)

    stores = commands.add_parser("stores", help="manage stores")
    store_actions = stores.add_subparsers(dest="action", metavar="ACTION", required=True)
    quota = store_actions.add_parser(
        "set-quota",
        help="set a store's image and storage limits",
        description="Limits checked when an image is uploaded. 'none' removes a limit (then "
        "IMAGEAPP_STORE_MAX_IMAGES / IMAGEAPP_STORE_MAX_BYTES apply, if set).",
    )
    quota.add_argument("--store", required=True, metavar="NAME", help="the store's name")
    quota.add_argument("--max-images", type=_limit, metavar="N", help="number of images, or none")
    quota.add_argument("--max-bytes", type=_limit, metavar="BYTES", help="total bytes, or none")
    quota.set_defaults(handler=_set_quota)


def _accounts() -> AccountService:
    return AccountService(get_engine(get_settings().database_url))


def _read_password() -> str:
    if sys.stdin.isatty():
        first = getpass.getpass("Password: ")
        if getpass.getpass("Password again: ") != first:
            raise FormInvalid({"password_confirm": "The two passwords do not match."})
        return first
    return sys.stdin.readline().rstrip("\r\n")


def _create_user(args: argparse.Namespace) -> int:
    try:
        user = _accounts().create_user(
            store_name=args.store, email=args.email, password=_read_password(), is_admin=args.admin
        )
    except FormInvalid as invalid:
        for field, message in invalid.errors.items():
            print(f"imageapp: {field}: {message}", file=sys.stderr)
        return 1
    role = "admin" if user.is_admin else "member"
    print(f"Created {role} {user.email} in store {user.store_name!r}.")
    return 0


def _set_quota(args: argparse.Namespace) -> int:
    try:
        _accounts().set_store_quota(
            store_name=args.store, max_images=args.max_images, max_bytes=args.max_bytes
        )
    except ImageAppError as refused:
        print(f"imageapp: {refused.message}", file=sys.stderr)
        return 1
    print(f"Store {args.store!r}: max images {args.max_images}, max bytes {args.max_bytes}.")
    return 0
