"""`newsrag index` over a folder mixing every format: counted per format, bad files named, and
a second run over the same folder changes nothing."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

from index.formats import FORMATS
from index.pipeline import Indexer
from newsrag.settings import Settings

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "formats"
REAL = {  # one real sample of each binary format (origin and licence in each folder's SOURCE.md)
    "PDF": SAMPLES / "pdf" / "issue-00352-asw-oct96-p41.pdf",
    "Word": SAMPLES / "docx" / "blk-paras-and-tables.docx",
    "e-mail": SAMPLES / "eml" / "nodemailer.eml",
    "feed": SAMPLES / "feeds" / "feed-rs-releases.atom",
    "WARC": SAMPLES / "warc" / "iana-org-chunked.warc",
}


def _mixed_folder(root: Path, seeds_dir: Path) -> Path:
    folder = root / "mixed"
    folder.mkdir()
    for sample in REAL.values():
        shutil.copy(sample, folder / sample.name)
    shutil.copy(sorted(seeds_dir.glob("*.txt"))[0], folder / "seed.txt")
    (folder / "note.md").write_text("---\ntitle: Harbour opens\ndate: 2024-03-12\n---\n"
                                    "The rebuilt harbour in Quillhaven opened on 12 March 2024 after three years.\n",
                                    encoding="utf-8")
    (folder / "wire.jsonl").write_text(json.dumps({"title": "Ferry resumes", "text": "The Orlet ferry resumed "
                                                   "service on Monday after a two-week strike by its crews."}) + "\n",
                                       encoding="utf-8")
    (folder / "page.html").write_text("<html><head><title>Tram vote</title></head><body><article><h1>Tram vote"
                                      "</h1><p>The Brinmoor council approved the new tram line by eleven votes to "
                                      "four on Tuesday evening.</p></article></body></html>", encoding="utf-8")
    shutil.copy(SAMPLES / "pdf" / "aes-128.pdf", folder / "locked.pdf")  # needs a password
    (folder / "photo.png").write_bytes(b"\x89PNG\r\n\x1a\n")  # not a format: not picked up
    return folder


def test_a_mixed_folder_is_indexed_and_counted_per_format(tmp_path: Path, seeds_dir: Path, hash_embedder) -> None:
    folder = _mixed_folder(tmp_path, seeds_dir)
    settings = Settings(data_dir=tmp_path / "data", embedding_model="hash-embedder")
    report = Indexer.from_settings(settings, embedder=hash_embedder).index([folder])

    counts = {c.format: c for c in report.formats}
    named = [f.name for f in FORMATS if f.name in counts]
    assert named == ["plain text", "Markdown", "HTML", "JSON Lines", "PDF", "Word", "e-mail", "feed", "WARC"]
    assert counts["PDF"].files == 2 and counts["PDF"].files_read == 1  # the locked one gave nothing
    for name in REAL:
        assert counts[name].articles >= 1, (name, counts[name])
    assert report.added == sum(c.articles for c in report.formats)
    assert [Path(p.path).name for p in report.problems] == ["locked.pdf"]
    assert "password" in report.problems[0].message
    assert not any("photo.png" in p.path for p in report.problems)

    again = Indexer.from_settings(settings, embedder=hash_embedder).index([folder])
    assert (again.added, again.updated, again.removed) == (0, 0, 0)
    assert again.unchanged == report.added


def test_the_index_command_prints_the_counts_and_names_the_skipped_file(tmp_path: Path, seeds_dir: Path) -> None:
    folder = _mixed_folder(tmp_path, seeds_dir)
    for name in ("seed.txt", "note.md", "wire.jsonl", "page.html"):  # keep the real model's work small
        (folder / name).unlink()
    run = subprocess.run([sys.executable, "-m", "cli.main", "index", str(folder), "--data-dir", str(tmp_path / "d")],
                         capture_output=True, text=True, timeout=300, check=False)
    assert run.returncode == 0, run.stderr
    assert "files: 2 PDF (1 article, 1 without articles), 1 Word (1 article), 1 e-mail" in run.stdout, run.stdout
    assert "1 feed (" in run.stdout and "1 WARC (1 article)" in run.stdout
    assert "skipped" in run.stderr and "locked.pdf" in run.stderr and "password" in run.stderr
