"""``imageapp tokens ...``: personal API tokens for scripts and storefronts."""

from __future__ import annotations

import argparse
import sys
from datetime import datetime

from imageapp.config import get_settings
from imageapp.db import get_engine
from imageapp.services.api_tokens import SCOPES, ApiTokenService
from imageapp.services.usecases.tokens import (
    TokenRefused,
    create_token,
    revoke_named_token,
    revoke_token,
)

NO_SUCH_USER = "There is no user with the email {email!r}."


def add_token_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    tokens = commands.add_parser(
        "tokens",
        help="manage personal API tokens",
        description="Personal tokens for the JSON API at /api/v1 (docs at /api/v1/docs). A "
        "token acts as its user and sees exactly that user's store; 'read' tokens only look, "
        "'write' tokens may also upload and change things. Only a hash is kept: the token is "
        "shown once, when it is created.",
    )
    actions = tokens.add_subparsers(dest="action", metavar="ACTION", required=True)
    create = actions.add_parser(
        "create",
        help="create a token and print it (once)",
        description="Create a token for a user. The token itself is printed alone on the last "
        "line of standard output, so a script can take it with `| tail -n 1`: "
        'TOKEN=$(imageapp tokens create --email me@example.com --name "shop site" | tail -n 1)',
    )
    create.add_argument("--email", required=True, metavar="EMAIL", help="the user's login email")
    create.add_argument("--name", required=True, metavar="NAME", help="what the token is for")
    create.add_argument("--scope", choices=SCOPES, default="read", help="read (default) or write")
    create.set_defaults(handler=_create)

    revoke = actions.add_parser(
        "revoke",
        help="revoke a token (by id, or by name and email)",
        description="Revoke a token at once: programs using it get 401 from then on. Name it "
        "by its id (see `imageapp tokens list`) or by --email and --name.",
    )
    revoke.add_argument("--id", type=int, metavar="ID", help="the token's id")
    revoke.add_argument("--email", metavar="EMAIL", help="the owner's login email")
    revoke.add_argument("--name", metavar="NAME", help="the token's name (with --email)")
    revoke.set_defaults(handler=_revoke)

    listing = actions.add_parser(
        "list",
        help="list tokens (never their values)",
        description="Tokens with their id, owner, name, scope, creation and last-use time "
        "(recorded to the minute). --email limits the list to one user.",
    )
    listing.add_argument("--email", metavar="EMAIL", help="only this user's tokens")
    listing.set_defaults(handler=_list)


def _tokens() -> ApiTokenService:
    return ApiTokenService(get_engine(get_settings().database_url))


def _fail(message: str) -> int:
    print(f"imageapp: {message}", file=sys.stderr)
    return 1


def _create(args: argparse.Namespace) -> int:
    tokens = _tokens()
    user_id = tokens.user_id_of(args.email)
    if user_id is None:
        return _fail(NO_SUCH_USER.format(email=args.email))
    outcome = create_token(
        tokens, user_id=user_id, raw_fields={"name": args.name, "scope": args.scope}
    )
    if isinstance(outcome, TokenRefused):
        for field, message in outcome.errors.items():
            print(f"imageapp: {field}: {message}", file=sys.stderr)
        return 1
    info = outcome.token.info
    print(f"Created {info.scope} token {info.name!r} (id {info.id}) for {args.email}.")
    print("Keep it secret; it is shown only this once:")
    print(outcome.token.value)
    return 0


def _revoke(args: argparse.Namespace) -> int:
    tokens = _tokens()
    if args.id is not None:
        owner = _owner_of(tokens, args.id)
        if owner is None:
            return _fail("There is no token with that id.")
        outcome = revoke_token(tokens, user_id=owner, raw_id=args.id)
    elif args.email and args.name:
        outcome = revoke_named_token(tokens, email=args.email, name=args.name)
    else:
        return _fail("name the token: --id ID, or --email EMAIL --name NAME.")
    if isinstance(outcome, TokenRefused):
        return _fail(outcome.message)
    print(outcome.message)
    return 0


def _owner_of(tokens: ApiTokenService, token_id: int) -> int | None:
    return next((user_id for user_id, _, info in tokens.all_tokens() if info.id == token_id), None)


def _list(args: argparse.Namespace) -> int:
    tokens = _tokens()
    found = [
        (email, info)
        for _, email, info in tokens.all_tokens()
        if not args.email or email == args.email.strip().lower()
    ]
    if not found:
        print("No tokens.")
        return 0
    print("ID\tEMAIL\tSCOPE\tCREATED\tLAST USED\tNAME")
    for email, info in found:
        print(
            f"{info.id}\t{email}\t{info.scope}\t{_when(info.created_at)}\t"
            f"{_when(info.last_used_at)}\t{info.name}"
        )
    return 0


def _when(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC") if moment is not None else "never"
