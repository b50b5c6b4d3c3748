"""The ``imageapp`` command line (also ``python -m imageapp``)."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from datetime import timedelta

import sqlalchemy as sa

from imageapp.config import get_settings
from imageapp.services.factory import build_cleanup_service

log = logging.getLogger("imageapp.cli")


def _positive_minutes(text: str) -> int:
    try:
        minutes = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number of minutes: {text!r}") from None
    if minutes < 0:
        raise argparse.ArgumentTypeError("minutes cannot be negative")
    return minutes


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="imageapp",
        description="imageapp: self-hosted image upload and management. "
        "Settings come from IMAGEAPP_* environment variables.",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log every step (DEBUG)")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    cleanup = commands.add_parser(
        "cleanup-temp",
        help="remove abandoned pending uploads (run it from cron)",
        description="Delete pending uploads older than the threshold, with their temp files, "
        "and temp files that no upload refers to. Uploads finished meanwhile are left alone.",
    )
    cleanup.add_argument(
        "--older-than",
        type=_positive_minutes,
        metavar="MINUTES",
        help="age threshold in minutes (default: IMAGEAPP_PENDING_TTL_MINUTES, 60)",
    )
    cleanup.add_argument(
        "--dry-run", action="store_true", help="only report how many would be removed"
    )
    cleanup.set_defaults(handler=_cleanup_temp)
    return parser


def _cleanup_temp(args: argparse.Namespace) -> int:
    settings = get_settings()
    minutes = args.older_than if args.older_than is not None else settings.pending_ttl_minutes
    older_than = timedelta(minutes=minutes)
    service = build_cleanup_service(settings)
    if args.dry_run:
        count = service.count_expired_pending(older_than)
        print(f"Would remove {count} pending upload(s) older than {minutes} minutes.")
        return 0
    count = service.cleanup_expired_pending(older_than)
    orphans = service.sweep_orphan_temp_files(older_than)
    print(f"Removed {count} pending upload(s) older than {minutes} minutes.")
    if orphans:
        print(f"Removed {orphans} orphan temp file(s).")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    try:
        result: int = args.handler(args)
    except sa.exc.OperationalError as exc:
        print(f"imageapp: cannot use the database: {exc.orig or exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"imageapp: storage error: {exc}", file=sys.stderr)
        return 2
    return result


if __name__ == "__main__":
    sys.exit(main())
