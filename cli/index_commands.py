"""`newsrag index` (write the index from files and folders) and `newsrag status` (what is in it).

`index` draws a one-line progress bar on a terminal (nothing when stderr is not a TTY),
then prints the report and names every file it skipped. `--workers N` (N > 1) loads and
embeds on a Ray started for the run, `--ray-address ADDR` on an existing Ray cluster
(`index.ray_work`, imported only then: without them nothing imports Ray).

Deliberately left out: any indexing logic (`index/pipeline.py`).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import TYPE_CHECKING

from cli.options import add_index_location, add_json_output, settings_from
from newsrag.errors import InputError

if TYPE_CHECKING:
    from index.progress import IndexProgress
    from index.work import IndexWork
    from newsrag.settings import Settings


INDEX_HELP = ("index files or folders: plain text, Markdown, HTML, JSON, JSON Lines, PDF, Word (.docx), "
              "e-mail (.eml), RSS/Atom feeds, WARC web archives")


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    # Written out, not read from index.formats (importing the formats costs every command's start);
    # tests/cli check it names every format in FORMATS.
    p = commands.add_parser("index", help=INDEX_HELP)
    p.add_argument("paths", nargs="*", help="files or folders (default: ./seeds)")
    p.add_argument("--rebuild", action="store_true", help="drop the index and rebuild (e.g. after changing the model)")
    group = p.add_argument_group("distributed (needs the [distributed] extra: Ray)")
    group.add_argument("--workers", type=int, metavar="N",
                       help="load and embed in N Ray worker processes on this machine (default 1: no Ray); "
                       "with --ray-address, how many tasks to keep busy (default: the cluster's CPUs)")
    group.add_argument("--ray-address", metavar="ADDR",
                       help="load and embed on the Ray cluster at HOST:PORT (`ray start --head` prints it)")
    add_index_location(p)
    p.set_defaults(run=run_index)

    p = commands.add_parser("status", help="what is indexed")
    add_json_output(p, "the status")
    add_index_location(p)
    p.set_defaults(run=run_status)


def default_paths(paths: Sequence[str]) -> list[Path]:
    if paths:
        return [Path(p) for p in paths]
    seeds = Path("seeds")
    if seeds.is_dir():
        return [seeds]
    raise InputError("expected at least one file or folder to index, got none", fix="newsrag index PATH [PATH ...]")


class ProgressBar:
    """A one-line progress bar on a terminal; silent when stderr is not a TTY."""

    def __init__(self) -> None:
        self.enabled = sys.stderr.isatty()
        self.last = 0.0

    def __call__(self, progress: IndexProgress) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if now - self.last < 0.1 and progress.done < progress.total:  # redraw at most 10 times a second
            return
        self.last = now
        total = max(progress.total, 1)
        width = 30
        filled = int(width * min(progress.done, total) / total)
        bar = "#" * filled + "-" * (width - filled)
        msg = (progress.message or "")[:40]
        sys.stderr.write(f"\r{progress.stage:<10} [{bar}] {progress.done}/{progress.total} {msg:<40}")
        sys.stderr.flush()

    def close(self) -> None:
        if self.enabled:
            sys.stderr.write("\n")


def index_work(settings: Settings, workers: int | None, ray_address: str | None,
               paths: Sequence[Path] = (), rebuild: bool = False) -> AbstractContextManager[IndexWork | None]:
    """Who loads and embeds: this process (None) unless the flags ask for Ray and there is work."""
    if workers is not None and workers < 1:
        raise InputError(f"expected --workers as a whole number of at least 1, got {workers}",
                         fix="e.g. --workers 2 (1, the default, runs in this process without Ray)")
    if ray_address is None and (workers is None or workers == 1):
        return nullcontext(None)
    from index.pipeline import needs_indexing

    if paths and not rebuild and not needs_indexing(settings, paths):
        return nullcontext(None)  # nothing to load or embed: starting or joining Ray would be all the run cost
    from index.ray_work import RayWork

    return RayWork(settings, workers=workers, address=ray_address)


def run_index(args: argparse.Namespace) -> int:
    from index.article_files import formats_line
    from index.pipeline import Indexer

    settings = settings_from(args)
    paths = default_paths(args.paths)
    bar = ProgressBar()
    try:
        with index_work(settings, args.workers, args.ray_address, paths, args.rebuild) as work:
            report = Indexer.from_settings(settings, work=work).index(paths, progress=bar, rebuild=args.rebuild)
    finally:
        bar.close()
    print(
        f"articles: {report.added} added, {report.updated} updated, {report.unchanged} unchanged, "
        f"{report.removed} removed; chunks: {report.chunks_total} total, {report.chunks_embedded} embedded; "
        f"{report.seconds:.1f} s on {report.ran_on}"
    )
    if report.formats:
        print(formats_line(report.formats))
    for problem in report.problems:
        print(f"  skipped {problem.path}: {problem.message}", file=sys.stderr)
    for note in report.notes:
        print(f"  note: {note.message}", file=sys.stderr)
    return 0 if not report.problems or (report.added + report.updated + report.unchanged) else 1


def run_status(args: argparse.Namespace) -> int:
    from index.index_reader import read_status
    from newsrag.types import to_jsonable

    status = read_status(settings_from(args))
    if args.json:
        print(json.dumps(to_jsonable(status), indent=2))
        return 0
    last = status.last_indexed.isoformat(timespec="seconds") if status.last_indexed else "never"
    print(f"articles:        {status.articles}")
    print(f"chunks:          {status.chunks}")
    print(f"embedding model: {status.embedding_model}")
    print(f"index location:  {status.location}")
    print(f"last indexed:    {last}")
    print(f"dated articles:  {status.dated_articles} of {status.articles} (the others state no publication date)")
    groups = status.duplicate_groups
    total = status.duplicate_group_count or len(groups)
    copies = sum(len(g.article_ids) for g in groups)
    listed = f"; the first {len(groups)} listed, {copies} articles" if total > len(groups) else f" ({copies} articles)"
    print(f"republished:     {total} group{'s' if total != 1 else ''} of near-identical stories{listed}")
    titles = {**dict(status.article_titles), **dict(status.group_titles)}
    for n, group in enumerate(groups, 1):
        print(f"  group {n} (similarity >= {group.similarity:.2f}):")
        for rank, aid in enumerate(group.article_ids):
            print(f"    {'*' if rank == 0 else '-'} {titles.get(aid, aid)}  [{aid}]")
    return 0
