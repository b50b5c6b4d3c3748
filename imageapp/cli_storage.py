"""``imageapp storage check`` and ``imageapp storage copy --to URL``."""

from __future__ import annotations

import argparse
import sys

from imageapp.config import get_settings
from imageapp.services.backends import storage_at, storage_for
from imageapp.services.storage_copy import copy_library

COPY_HELP = """\
Copy every stored file (pending uploads, originals, renditions) from the storage in use
(IMAGEAPP_STORAGE_URL, else IMAGEAPP_STORAGE_DIR) to URL: s3://BUCKET[/PREFIX] (with
IMAGEAPP_S3_ENDPOINT_URL and the AWS_* credentials for a non-AWS server) or a local
directory. Names stay the same, so the database needs no change.

Resumable: files the target already holds with the same SHA-256 are skipped, so run it
again after an interruption, or once more after switching to catch files uploaded
meanwhile. Every copied file is read back and its SHA-256 checked; files that fail are
listed and the command exits 1. Progress goes to stderr.

Switching over: stop the workers (or the whole app), run this, set IMAGEAPP_STORAGE_URL to
the target (unset it to go back to the disk), start again, run it once more."""


def add_storage_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    storage = commands.add_parser("storage", help="check the storage, or move it elsewhere")
    actions = storage.add_subparsers(dest="action", metavar="ACTION", required=True)
    check = actions.add_parser(
        "check",
        help="check that the storage can be reached and written",
        description="Exit 0 if the configured storage (bucket or directory) answers and "
        "accepts these credentials; else say why and exit 2.",
    )
    check.set_defaults(handler=_check)
    copy = actions.add_parser(
        "copy",
        help="copy the whole library to another storage (local <-> S3), resumably",
        description=COPY_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    copy.add_argument(
        "--to", required=True, metavar="URL", help="s3://BUCKET[/PREFIX] or a directory"
    )
    copy.set_defaults(handler=_copy)


def _check(args: argparse.Namespace) -> int:
    storage = storage_for(get_settings())
    storage.check()
    print(f"Storage OK: {storage.url}")
    return 0


def _copy(args: argparse.Namespace) -> int:
    from imageapp.cli import ProgressBar

    settings = get_settings()
    source = storage_for(settings)
    target = storage_at(args.to, settings)
    if target.url == source.url:
        print("imageapp: the target is the storage in use; nothing to copy.", file=sys.stderr)
        return 2
    source.check()
    target.check()
    report = copy_library(source, target, progress=ProgressBar("copying"))
    print(
        f"Copied {report.copied} file(s) ({report.copied_bytes / 1e6:.1f} MB) to {target.url}; "
        f"{report.skipped} already there, {report.gone} removed meanwhile, "
        f"{len(report.failed)} failed."
    )
    for relative in report.failed:
        print(f"  failed: {relative}", file=sys.stderr)
    return 1 if report.failed else 0
