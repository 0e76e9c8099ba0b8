"""Copies files uploaded from the browser into `data_dir/uploads`, safely.

A file name from a browser is untrusted: `../../etc/passwd`, `C:\\x\\y.txt`, names made
of dots, control characters or 500 characters must never lead outside the uploads
folder. `safe_upload_name` keeps only the last path component and a conservative
character set; `save_uploads` also checks the format and the size limits (the loader's own
rule, `index.article_files.check_size`) and reports
every refusal as a `FileMessage` instead of raising, so one bad file harms nothing else.

Deliberately left out: parsing. Whether a .json file really holds articles is the
loader's call, reported back through `IndexReport.problems`.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from index.article_files import check_size
from index.formats import SUPPORTED_SUFFIXES, Rejected, format_of
from newsrag.types import FileLimits, FileMessage

ARCHIVE_SUFFIXES = (".zip", ".tar", ".gz", ".tgz", ".bz2", ".xz", ".zst", ".7z", ".rar")  # not unpacked
MAX_NAME_CHARS = 120
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def uploads_dir(data_dir: Path) -> Path:
    return data_dir / "uploads"


def safe_upload_name(name: str) -> str | None:
    """A plain file name with no path in it, or None when nothing usable is left.

    Both separators count (a Windows browser may send backslashes); leading dots go, so
    the result is never hidden, "." or "..".
    """
    last = re.split(r"[\\/]", name.replace("\x00", ""))[-1]
    cleaned = _UNSAFE.sub("_", last).lstrip("._-")
    if not cleaned:
        return None
    stem, dot, suffix = cleaned.rpartition(".")
    if not dot:
        return cleaned[:MAX_NAME_CHARS]
    suffix = suffix.lower()
    stem = stem[: MAX_NAME_CHARS - len(suffix) - 1].rstrip(".") or "upload"
    return f"{stem}.{suffix}"


@dataclass(frozen=True)
class SavedUploads:
    paths: tuple[Path, ...]  # where the accepted files now live, inside the uploads folder
    problems: tuple[FileMessage, ...]  # every refused file, with the reason and the fix


def save_uploads(files: Sequence[tuple[str, Path]], dest: Path, limits: FileLimits) -> SavedUploads:
    """Copy each (name as sent, temporary path) into `dest` under a safe name.

    A file with the same safe name replaces the earlier upload: re-uploading an edited
    article updates it in the index instead of adding a near-duplicate.
    """
    dest.mkdir(parents=True, exist_ok=True)
    root = dest.resolve()
    saved: list[Path] = []
    problems: list[FileMessage] = []
    for sent_name, temp_path in files:
        shown = sent_name or temp_path.name
        name = safe_upload_name(shown)
        if name is None:
            problems.append(FileMessage(shown, "expected a file name, got none usable; rename the file"))
            continue
        suffix = Path(name).suffix.lower()
        if format_of(name) is None:
            fix = (
                "archives are not unpacked: extract the articles and upload the files themselves"
                if suffix in ARCHIVE_SUFFIXES
                else "save the article in one of these formats"
            )
            problems.append(
                FileMessage(shown, f"expected one of {', '.join(SUPPORTED_SUFFIXES)}, "
                                   f"got '{suffix or 'no extension'}'; {fix}")
            )
            continue
        try:
            size = temp_path.stat().st_size
        except OSError as exc:
            problems.append(FileMessage(shown, f"expected a readable upload, got {exc.strerror}; upload it again"))
            continue
        try:
            check_size(name, size, limits)
        except Rejected as exc:
            problems.append(FileMessage(shown, str(exc)))
            continue
        if size == 0:
            problems.append(FileMessage(shown, "expected some text, got an empty file; check the export"))
            continue
        target = (root / name).resolve()
        if target.parent != root:  # belt and braces: the name above can hold no separator
            problems.append(FileMessage(shown, "expected a plain file name, got a path; rename the file"))
            continue
        shutil.copyfile(temp_path, target)
        saved.append(target)
    return SavedUploads(paths=tuple(saved), problems=tuple(problems))
