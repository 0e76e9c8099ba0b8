"""Hostile uploads: path tricks in names, oversize files, archives and other types.

`save_uploads` gets names as a browser sends them; `ChatHandlers.upload` is the page's
real upload path (save, index with the real Indexer, refresh, report) over a real
on-disk index of the seeds (HashEmbedder). Every refusal must say what was expected and
how to fix it; nothing may be written outside the uploads folder; a refused or broken
upload must leave the index exactly as it was. The server test checks that Gradio's own
size limit follows NEWSRAG_MAX_FILE_MB (a fractional value used to stop the server).
"""

from __future__ import annotations

import os
import shutil
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings as hyp_settings, strategies as st

from newsrag.settings import Settings
from newsrag.types import FileLimits
from ui.uploads import MAX_NAME_CHARS, save_uploads

SEEDS_DIR = Path(__file__).resolve().parents[2] / "seeds"
STORY = b"Quillhaven opens its new harbour\nThe town of Quillhaven opened its rebuilt harbour on 12 March 2024.\n"


def tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


# ----------------------------------------------------------------------------- names as sent


HOSTILE_NAMES = [
    "../../etc/passwd",
    "../../evil.txt",
    "..\\..\\..\\Windows\\evil.txt",
    "/etc/cron.d/evil.txt",
    "C:\\Users\\x\\evil.md",
    "uploads/../../evil.json",
    "evil\x00.txt",
    "evil.txt\x00.exe",
    "x" * 10_000 + ".txt",
    "é" * 300 + ".md",
    "..",
    ".",
    "",
    "....txt",
    ".bashrc",
    "~/.ssh/authorized_keys",
    "$(rm -rf ~).txt",
    "a\nb\r\n.html",
    "evil\u202etxt.exe",  # shows as "evilexe.txt" in a right-to-left aware viewer
    "CON.txt",
]


def test_hostile_names_never_leave_the_uploads_folder(tmp_path: Path) -> None:
    source = tmp_path / "incoming" / "story.txt"
    source.parent.mkdir()
    source.write_bytes(STORY)
    dest = tmp_path / "root" / "data" / "uploads"
    (tmp_path / "root" / "etc").mkdir(parents=True)
    outside_before = tree(tmp_path / "root")

    result = save_uploads([(name, source) for name in HOSTILE_NAMES], dest, FileLimits.uniform(1_000_000))

    for path in result.paths:
        assert path.parent == dest.resolve() and path.read_bytes() == STORY
        assert len(path.name) <= MAX_NAME_CHARS and not path.name.startswith(".")
        assert path.suffix in (".txt", ".md", ".json", ".html")
    assert {p.name for p in result.paths} >= {"evil.txt", "evil.md", "evil.json"}
    refused = {p.path for p in result.problems}
    assert {"../../etc/passwd", "..", ".", ".bashrc", "evil\u202etxt.exe", "evil.txt\x00.exe"} <= refused
    for problem in result.problems:
        assert "expected" in problem.message and "got" in problem.message and ";" in problem.message
    after = tree(tmp_path / "root")
    changed = {k for k in after if k not in outside_before or after[k] != outside_before[k]}
    assert all(k.startswith("data/uploads/") for k in changed), changed
    assert not (tmp_path / "evil.txt").exists() and not Path("/etc/cron.d/evil.txt").exists()


@hyp_settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=st.one_of(st.text(max_size=300),
                      st.lists(st.sampled_from(["..", "/", "\\", ".", "\x00", "a", "~", ".txt", ".md", " ", "\n",
                                                "%2e%2e", "\u202e", "\uff0f", "\u2215"]), max_size=20).map("".join)))
def test_any_name_lands_inside_the_uploads_folder_or_is_refused(tmp_path: Path, name: str) -> None:
    source = tmp_path / "src.bin"
    source.write_bytes(STORY)
    dest = tmp_path / "up"
    result = save_uploads([(name, source)], dest, FileLimits.uniform(1_000_000))
    assert len(result.paths) + len(result.problems) == 1
    for path in result.paths:
        assert path.parent == dest.resolve() and path.is_file() and len(path.name) <= MAX_NAME_CHARS
    assert {p.name for p in tmp_path.iterdir()} <= {"src.bin", "up"}


def test_a_symlink_planted_in_the_uploads_folder_is_not_written_through(tmp_path: Path) -> None:
    dest = tmp_path / "uploads"
    dest.mkdir()
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    (dest / "story.txt").symlink_to(victim)
    source = tmp_path / "story.txt"
    source.write_bytes(STORY)
    result = save_uploads([("story.txt", source)], dest, FileLimits.uniform(1_000_000))
    assert result.paths == () and "got a path" in result.problems[0].message
    assert victim.read_text() == "precious"


# ----------------------------------------------------------------------------- the page's upload path


@pytest.fixture
def page(tmp_path: Path):
    """ChatHandlers over a real hash-embedder index of the seeds, with a 0.02 MB upload limit."""
    from index.pipeline import Indexer
    from rag.assistant import Assistant
    from rag.checking.support_checker import SupportChecker
    from tests.fakes import HashEmbedder
    from ui.handlers import ChatHandlers

    seeds = tmp_path / "seeds"
    shutil.copytree(SEEDS_DIR, seeds)
    settings = Settings(data_dir=tmp_path / "data", embedding_model="hash-embedder", max_file_mb=0.02)
    Indexer(settings, HashEmbedder()).index([seeds])
    assistant = Assistant.from_settings(settings, embedder=HashEmbedder(), chat_model=None,
                                        checker=SupportChecker(embedder=None))
    return settings, ChatHandlers(assistant, settings)


def _snapshot(settings: Settings):
    from tests.index.conftest import snapshot

    return snapshot(settings)


def _browser_files(tmp_path: Path, files: dict[str, bytes]) -> list[str]:
    """Files as Gradio hands them over: temp paths whose last part is the name as sent."""
    out = []
    for n, (name, content) in enumerate(files.items()):
        folder = tmp_path / "gradio" / str(n)
        folder.mkdir(parents=True)
        (folder / name).write_bytes(content)
        out.append(str(folder / name))
    return out


def _zip_of(tmp_path: Path) -> bytes:
    path = tmp_path / "articles.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("story.txt", STORY)
        zf.writestr("../../escape.txt", STORY)  # a zip-slip entry: must never be unpacked
    return path.read_bytes()


def test_refused_uploads_say_why_and_leave_the_index_untouched(page, tmp_path: Path) -> None:
    from index.invariants import check_invariants

    settings, handlers = page
    before = _snapshot(settings)
    limit = int(0.02 * 1024 * 1024)
    files = _browser_files(tmp_path, {
        "articles.zip": _zip_of(tmp_path),
        "articles.tar.gz": b"\x1f\x8b\x08" + bytes(100),
        "report.odt": b"PK" + bytes(100),  # a format not read
        "setup.exe": b"MZ" + bytes(100),
        "notes": STORY,
        "huge.txt": STORY * (2 * limit // len(STORY)),  # twice the limit
        "empty.md": b"",
    })
    report, status, _ = handlers.upload(files, progress=None)

    for name in ("articles.zip", "articles.tar.gz", "report.odt", "setup.exe", "notes", "huge.txt", "empty.md"):
        assert name in report, name
    assert report.count("archives are not unpacked") == 2
    assert ("expected a file of at most 0.02 MB, got 0.04 MB; split it into smaller files or raise "
            "NEWSRAG_MAX_FILE_MB") in report
    assert "7 files could not be used" in report
    assert list((settings.data_dir / "uploads").iterdir()) == []
    assert not list(tmp_path.rglob("escape.txt"))
    assert _snapshot(settings) == before and check_invariants(settings) == []
    assert 'data-articles="6"' in status


def test_an_archive_renamed_to_txt_is_reported_by_the_loader_and_the_good_file_is_indexed(page, tmp_path: Path) -> None:
    from index.invariants import check_invariants

    settings, handlers = page
    files = _browser_files(tmp_path, {"sneaky.txt": _zip_of(tmp_path), "harbour.txt": STORY})
    report, status, _ = handlers.upload(files, progress=None)
    assert "1 added" in report and "sneaky.txt" in report and "binary data" in report
    assert 'data-articles="7"' in status and check_invariants(settings) == []
    answer = handlers.assistant.ask("When did Quillhaven open its rebuilt harbour?")
    assert "12 March 2024" in answer.text


def test_upload_limit_is_the_same_for_the_page_and_the_indexer(page, tmp_path: Path) -> None:
    """NEWSRAG_MAX_FILE_MB is MiB everywhere: a file at the limit is taken by both the upload
    step and the loader, one byte more is refused by the upload step with the limit named."""
    settings, handlers = page
    limit = settings.max_file_bytes
    body = STORY + b"More text follows here. " * (limit // 24)
    at_limit = body[:limit - 1] + b"\n"
    report, status, _ = handlers.upload(_browser_files(tmp_path / "a", {"at_limit.txt": at_limit}), progress=None)
    assert "1 added" in report and "could not be used" not in report, report
    over = body[:limit] + b"\n"
    report, _, _ = handlers.upload(_browser_files(tmp_path / "b", {"over.txt": over}), progress=None)
    assert "over.txt" in report and f"expected a file of at most {limit:,} bytes, got {limit + 1:,} bytes" in report


def test_the_server_starts_with_a_fractional_limit_and_refuses_bigger_uploads(tmp_path: Path) -> None:
    import httpx

    from tests.ui.conftest import FakeAssistant
    from ui.server import launch

    settings = Settings(data_dir=tmp_path / "data", host="127.0.0.1", port=0, max_file_mb=0.5)
    server = launch(settings, assistant=FakeAssistant(), block=False, quiet=True)
    try:
        url = server.url.rstrip("/") + "/gradio_api/upload"
        small = httpx.post(url, files={"files": ("ok.txt", STORY, "text/plain")}, timeout=30)
        assert small.status_code == 200, small.text
        big = httpx.post(url, files={"files": ("big.txt", b"x" * (512 * 1024 + 1), "text/plain")}, timeout=30)
        assert big.status_code == 413 and "524288 bytes" in big.text
    finally:
        server.close()
    assert not (settings.data_dir / "uploads").exists() or not os.listdir(settings.data_dir / "uploads")
