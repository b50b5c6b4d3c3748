"""``imageapp worker`` runs the background jobs; ``imageapp jobs`` shows and retries them."""

from __future__ import annotations

import argparse

from imageapp.config import get_settings
from imageapp.jobs import records
from imageapp.jobs.tasks import get_jobs
from imageapp.jobs.worker import run_worker
from imageapp.services.backends import storage_for

LISTED = 20


def _concurrency(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= 64:
        raise argparse.ArgumentTypeError(f"not a whole number from 1 to 64: {text!r}")
    return int(text)


def add_job_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    worker = commands.add_parser(
        "worker",
        help="run background jobs (renditions) until stopped",
        description="Take jobs from the queue (IMAGEAPP_QUEUE_URL; unset: the database's) and "
        "run them until stopped. Any number may run, on any machine that reaches the "
        "database, the queue and the storage. It first queues the renditions of images that "
        "lack them, and again every 10 minutes. SIGTERM stops it after the running jobs "
        "finish; SIGINT (Ctrl-C) at once, queueing the abandoned jobs again.",
    )
    worker.add_argument(
        "--concurrency",
        type=_concurrency,
        default=1,
        metavar="N",
        help="jobs run at the same time, in threads (default 1; about one per CPU core)",
    )
    worker.set_defaults(handler=_worker)

    jobs = commands.add_parser(
        "jobs",
        help="show queued, running and failed jobs",
        description="Show the background jobs: queued, scheduled (retries waiting for their "
        "time), running (with the worker host:pid) and failed (retries spent).",
    )
    actions = jobs.add_subparsers(dest="action", metavar="ACTION")
    retry = actions.add_parser(
        "retry",
        help="queue every failed job again",
        description="Queue every failed job again, with its retries renewed.",
    )
    retry.set_defaults(handler=_retry)
    jobs.set_defaults(handler=_status)


def _worker(args: argparse.Namespace) -> int:
    storage_for(get_settings()).check()  # a bucket that refuses us: say so now, not per job
    run_worker(args.concurrency)
    return 0


def _status(_args: argparse.Namespace) -> int:
    huey = get_jobs().huey
    sections = [
        (f"Queued: {huey.pending_count()}", records.queued(huey, LISTED)),
        (f"Scheduled (retrying): {huey.scheduled_count()}", records.scheduled(huey, LISTED)),
        ("Running: {}", records.running(huey)),
        ("Failed: {}", records.failed(huey)),
    ]
    for title, listed in sections:
        print(title.format(len(listed)))
        for job in listed[:LISTED]:
            print(f"  {_line(job)}")
    return 0


def _line(job: records.JobRecord) -> str:
    args = ", ".join(repr(arg) for arg in job.args)
    when = f"  {job.when:%Y-%m-%d %H:%M:%S} UTC" if job.when else ""
    detail = f"  {job.detail}" if job.detail else ""
    return f"{job.name}({args}){when}{detail}  [{job.id}]"


def _retry(_args: argparse.Namespace) -> int:
    queued = records.retry_failed(get_jobs().huey)
    for job in queued:
        print(f"queued again: {job}")
    print(f"Queued {len(queued)} failed job(s) again.")
    return 0
