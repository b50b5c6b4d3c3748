"""The ``imageapp`` command line (also ``python -m imageapp``)."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from datetime import timedelta
from typing import TextIO

import sqlalchemy as sa

from imageapp.cli_accounts import add_account_commands
from imageapp.cli_jobs import add_job_commands
from imageapp.cli_storage import add_storage_commands
from imageapp.cli_tokens import add_token_commands
from imageapp.config import get_settings
from imageapp.jobs.broker import UNREACHABLE, QueueUrlInvalid
from imageapp.services.errors import ImageAppError
from imageapp.services.factory import build_cleanup_service, build_rendition_service
from imageapp.services.housekeeping import clean_up
from imageapp.services.rebuild import rebuild_renditions
from imageapp.services.storage import StorageUnavailable
from imageapp.services.trash import TrashService

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
        "and files no row refers to (left by a crash), once older than the threshold too; "
        "and images in the trash longer than IMAGEAPP_TRASH_DAYS (30), for good. "
        "Uploads finished meanwhile and files being written or validated are left alone, "
        "whatever the threshold.",
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
    _add_renditions_commands(commands)
    add_account_commands(commands)
    add_job_commands(commands)
    add_storage_commands(commands)
    add_token_commands(commands)
    return parser


def _add_renditions_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    renditions = commands.add_parser("renditions", help="manage the web-ready copies of images")
    actions = renditions.add_subparsers(dest="action", metavar="ACTION", required=True)
    rebuild = actions.add_parser(
        "rebuild",
        help="make missing or outdated renditions (after a preset change)",
        description="Make every rendition that is missing or was made with other preset "
        "settings, and delete those of presets no longer configured. Done work is skipped, "
        "so an interrupted rebuild resumes. Progress goes to stderr.",
    )
    rebuild.add_argument("--preset", metavar="NAME", help="only this preset (e.g. thumb)")
    rebuild.set_defaults(handler=_rebuild_renditions)


def _cleanup_temp(args: argparse.Namespace) -> int:
    settings = get_settings()
    minutes = args.older_than if args.older_than is not None else settings.pending_ttl_minutes
    older_than = timedelta(minutes=minutes)
    service = build_cleanup_service(settings)
    if args.dry_run:
        count = service.count_expired_pending(older_than)
        print(f"Would remove {count} pending upload(s) older than {minutes} minutes.")
        expired = TrashService(service.engine, service).count_expired(
            timedelta(days=settings.trash_days)
        )
        print(
            f"Would delete {expired} image(s) forever that have been in the trash longer "
            f"than {settings.trash_days} days."
        )
        return 0
    for line in clean_up(
        service, minutes, settings.trash_days, spool_minutes=settings.pending_ttl_minutes
    ).lines():
        print(line)
    return 0


class ProgressBar:
    """``label [#####.....] 12/40`` on stderr: redrawn in place on a terminal, else every 10%."""

    def __init__(self, label: str, stream: TextIO | None = None, width: int = 30) -> None:
        self.label = label
        self.stream = stream or sys.stderr
        self.width = width
        self._last_tenth = -1

    def __call__(self, done: int, total: int) -> None:
        filled = self.width * done // max(total, 1)
        line = f"{self.label} [{'#' * filled}{'.' * (self.width - filled)}] {done}/{total}"
        if self.stream.isatty():
            self.stream.write(f"\r{line}" + ("\n" if done >= total else ""))
        elif (tenth := 10 * done // max(total, 1)) != self._last_tenth:
            self._last_tenth = tenth
            self.stream.write(f"{line}\n")
        self.stream.flush()


def _rebuild_renditions(args: argparse.Namespace) -> int:
    service = build_rendition_service(get_settings())
    try:
        report = rebuild_renditions(
            service, preset_name=args.preset, progress=ProgressBar("renditions")
        )
    except ImageAppError as error:
        print(f"imageapp: {error.message}", file=sys.stderr)
        return 2
    print(
        f"Rebuilt renditions of {report.rebuilt} image(s) of {report.images}; "
        f"{report.failed} failed."
    )
    if report.removed:
        print(f"Removed {report.removed} rendition(s) of presets no longer configured.")
    return 1 if report.failed else 0


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
    except QueueUrlInvalid as exc:
        print(f"imageapp: {exc}", file=sys.stderr)
        return 2
    except UNREACHABLE as exc:
        print(f"imageapp: cannot reach the job queue: {exc}", file=sys.stderr)
        return 2
    except StorageUnavailable as exc:
        print(f"imageapp: the storage cannot be used: {exc.detail or exc.message}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"imageapp: storage error: {exc}", file=sys.stderr)
        return 2
    return result


if __name__ == "__main__":
    sys.exit(main())
