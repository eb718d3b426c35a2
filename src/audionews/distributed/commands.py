"""``audionews worker``, ``submit`` and ``status``, on the main command group.

They take the same build options as ``build`` and ``batch`` (the same decorators, the same
BuildOptions). Without the optional extra each says in one line how to install it; nothing
here imports Celery until a command runs.
"""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

import click

from audionews import console
from audionews.cli import _build_options, main
from audionews.cli_options import (
    document_options,
    episode_options,
    input_options,
    output_options,
    sound_options,
    voice_options,
)
from audionews.distributed import EXTRA, missing_extra
from audionews.options import BuildOptions
from audionews.presets import resolve_preset

if TYPE_CHECKING:
    from audionews.batch import BatchResult

BROKER_ENV = "AUDIONEWS_BROKER"

broker_option = click.option(
    "--broker",
    envvar=BROKER_ENV,
    metavar="URL",
    help=f"The Redis broker, redis://HOST:6379/0 (default: ${BROKER_ENV}).",
)


def _queue(command: str, broker: str | None) -> ModuleType:
    """The queue module once the broker answers; a one-line error if the extra it needs is
    not installed, if no broker is given or if it does not answer (checked before Celery and
    the pipeline are imported, so that is said at once)."""
    missing = missing_extra()
    if missing is None:
        try:
            from audionews.distributed import broker as _broker
        except ImportError as exc:
            missing = exc.name or str(exc)
    if missing is not None:
        raise console.Failure(
            f"audionews {command} needs the optional extra {EXTRA} (no module {missing!r} "
            f"here): pip install '{EXTRA}'"
        )
    if not broker:
        raise console.Failure(f"no broker: give --broker redis://HOST:6379/0 or set {BROKER_ENV}")
    _broker.connect(broker)
    from audionews.distributed import queue

    return queue


@main.command()
@broker_option
@click.option(
    "-c",
    "--concurrency",
    type=click.IntRange(1, 512),
    help="Articles built at once, one per pool process (default: the number of cores).",
)
@click.option("-n", "--name", help="This worker's node name (default: audionews-PID@HOST).")
@click.option(
    "--time-limit",
    type=click.IntRange(1, None),
    default=1800,
    show_default=True,
    metavar="SECONDS",
    help="A build still running after this is stopped and reported as failed.",
)
@click.option(
    "--visibility-timeout",
    type=click.IntRange(2, None),
    metavar="SECONDS",
    help="How long Redis waits before giving the build of a worker that died to another "
    "(default: an hour, or twice the time limit); longer than the time limit.",
)
@click.option(
    "--loglevel",
    type=click.Choice(["debug", "info", "warning", "error"]),
    default="info",
    show_default=True,
)
def worker(
    broker: str | None,
    concurrency: int | None,
    name: str | None,
    time_limit: int,
    visibility_timeout: int | None,
    loglevel: str,
) -> None:
    """Build queued articles: a Celery worker, one article per pool process."""
    queue = _queue("worker", broker)
    url = str(broker)
    limits = queue.Limits.of(time_limit, visibility_timeout)
    code = queue.run_worker(
        url, concurrency=concurrency, name=name, limits=limits, loglevel=loglevel.upper()
    )
    raise click.exceptions.Exit(code)


@main.command()
@click.argument("inputs", nargs=-1, required=True)
@broker_option
@episode_options
@click.option("--clips", is_flag=True, help="Also write every chapter as its own tagged clip.")
@click.option(
    "--feed",
    type=click.Path(path_type=Path, file_okay=False),
    help="Build into this feed folder (shared by the workers) and add each episode to it.",
)
@click.option(
    "--wait",
    is_flag=True,
    help="Wait for every article, with progress; exit status 1 if any failed.",
)
@document_options
@input_options
@voice_options
@sound_options
@output_options
def submit(
    inputs: tuple[str, ...],
    broker: str | None,
    out_dir: Path,
    force: bool,
    wait: bool,
    as_json: bool,
    **values: Any,
) -> None:
    """Queue articles (files, folders, globs) for the workers, one task per article."""
    queue = _queue("submit", broker)
    url = str(broker)
    from audionews.batch import expand_inputs

    options = _shared_paths(_build_options(values))
    resolve_preset(
        options.preset,
        bitrate_kbps=options.bitrate_kbps,
        sample_rate=options.sample_rate,
        loudness_lufs=options.loudness_lufs,
    )
    articles = expand_inputs(inputs)
    if not articles:
        raise console.Failure("no articles found in " + ", ".join(inputs))
    submitted = queue.submit(url, articles, out_dir, options, force=force)
    followed = sum(not q.sent for q in submitted.queued)
    console.echo(
        f"job {submitted.job}: {len(submitted.queued)} articles queued"
        + (f" ({followed} already queued or running, followed)" if followed else "")
        + (f", {len(submitted.refused)} not readable" if submitted.refused else "")
        + f"; see it with: audionews status {submitted.job}",
        err=True,
    )
    if not wait:
        for refused in submitted.refused:
            console.echo(f"failed {refused.article}: {refused.error}", err=True)
        if as_json:
            listed = [
                {"article": q.article, "task": q.task_id, "status": "queued"}
                for q in submitted.queued
            ] + [r.summary() for r in submitted.refused]
            console.json_out({"job": submitted.job, "articles": listed})
        if submitted.refused:
            raise click.exceptions.Exit(1)
        return
    if queue.workers_answering(url) == 0:
        console.echo("note: no worker answered yet; the articles wait until one starts", err=True)
    total = len(submitted.queued) + len(submitted.refused)
    try:
        with console.BatchReporter(total) as report:
            outcomes = queue.wait(url, submitted.job, lambda o: report.done(_as_result(o)))
    except KeyboardInterrupt:
        console.echo(
            f"audionews: stopped waiting; the workers go on (audionews status {submitted.job})",
            err=True,
        )
        raise click.exceptions.Exit(130) from None
    if as_json:
        listed = [o.summary() for o in outcomes]
        console.json_out({"job": submitted.job, "articles": listed})
    if any(o.state == "failed" for o in outcomes):
        raise click.exceptions.Exit(1)


@main.command()
@click.argument("job")
@broker_option
@output_options
def status(job: str, broker: str | None, as_json: bool) -> None:
    """Show where each article of a submitted JOB stands (exit status 1 if any failed)."""
    queue = _queue("status", broker)
    outcomes = queue.job_status(str(broker), job)
    if as_json:
        listed = [o.summary() for o in outcomes]
        console.json_out({"job": job, "articles": listed})
    else:
        for o in outcomes:
            detail = o.error or o.result.get("mp3") or o.result.get("worker") or ""
            console.echo(f"{o.state:<8}  {o.article}  {detail}".rstrip())
        counts = {state: sum(o.state == state for o in outcomes) for state in _STATES}
        done = counts["built"] + counts["skipped"] + counts["failed"]
        console.echo(
            f"job {job}: {done}/{len(outcomes)} done: "
            + ", ".join(f"{n} {state}" for state, n in counts.items() if n or state == "failed"),
            err=True,
        )
    if any(o.state == "failed" for o in outcomes):
        raise click.exceptions.Exit(1)


_STATES = ("built", "skipped", "failed", "running", "retrying", "queued")


def _shared_paths(options: BuildOptions) -> BuildOptions:
    """Paths in the options made absolute: a worker reads them from the shared folder."""
    voices = options.voices
    if Path(voices).suffix == ".toml" or os.sep in voices:
        voices = str(Path(voices).absolute())
    return replace(
        options,
        voices=voices,
        feed=options.feed.absolute() if options.feed else None,
        lexicon=options.lexicon.absolute() if options.lexicon else None,
        cache_folder=options.cache_folder.absolute() if options.cache_folder else None,
    )


def _as_result(outcome: Any) -> BatchResult:
    """An outcome as a batch result, for the same progress lines and table as ``batch``."""
    from audionews.batch import BatchResult, BatchStatus

    result = outcome.result
    return BatchResult(
        Path(outcome.article),
        BatchStatus(outcome.state),
        Path(result["mp3"]) if result.get("mp3") else None,
        float(result.get("duration_s", 0.0)),
        int(result.get("chapters", 0)),
        float(result.get("seconds", 0.0)),
        outcome.error,
    )
