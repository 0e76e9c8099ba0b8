"""Republished copies of one story, found at index time: MinHash sketches + LSH (datasketch).

Each article is reduced to the set of its word n-grams ("shingles") over title and body,
normalised by `newsrag.text.words` (lower case, folded accents and quotes), and sketched
with a MinHash of fixed seed. An LSH index proposes candidate pairs; every candidate's
MinHash-estimated Jaccard similarity is checked against the fitted threshold, because
LSH alone lets through pairs below it. Groups are the connected components of the pairs
that pass, so a story copied by A and re-copied by B is one group even when A and B
differ more. The representative, the copy answers cite, is the earliest dated one, then
the longest, then the smallest id.

Articles with the same story URL are one story too, whatever their texts: a feed item
(often a two-sentence summary, too few shared shingles for any threshold) and the saved
page or web-archive capture it links to. URLs are compared after `index.ids.normalise_url`,
the one URL rule, and joined in the same components, short articles included. A URL is not
taken as naming one story when it has no path (a site's front page, which misconfigured
pages give as their canonical URL) or when one file gives it to several of its articles
(a feed whose items all link to one section page, a PDF that states its site): those
articles are still compared by text. A group's `similarity` stays the lowest estimate
between its representative and a member, so a group joined by URL may show one below the
threshold.

The work is split so that the index regroups without re-reading texts: `article_signature`
sketches one article (its word count, text length and MinHash values), and
`group_from_signatures` groups `SignedArticle`s (id, URL, file, date, text length, word
count, MinHash values: no text). The indexer stores each article's signature in the
manifest under `minhash_key(tuning)` and sketches only articles without one;
`group_duplicates` sketches the given articles and groups them the same way, so both give
identical groups. Every article is signed, short ones included: a short article joined by
URL needs its sketch for its group's `similarity`, and `min_words` can change without
re-sketching.

`shingle_similarity` (and `text_minhash`, the sketch itself) estimates one pair with the
same shingling and sketch, for `evals/fit_duplicates.py`, which fits `DuplicateTuning` on
labelled pairs.

Deliberately left out: URL aliases beyond `normalise_url`'s rule (tracking parameters,
mobile hosts), paraphrase detection (two outlets writing one event in their own words are
two stories, not copies), cross-language copies, and an incremental LSH index (each
regroup inserts every stored signature again; only sketching, the costly part, is
incremental).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from urllib.parse import urlsplit

import numpy as np
from datasketch import LeanMinHash, MinHash, MinHashLSH
from numpy.typing import NDArray

from index.ids import normalise_url
from index.manifest import SignedArticle
from newsrag.text import words
from newsrag.tuning import DuplicateTuning
from newsrag.types import Article, DuplicateGroup

# Fixed seed: the same articles always get the same sketches, so grouping is reproducible
# and the fitted threshold means the same thing at index time as in the evaluation.
_SEED = 1
# LSH bands of two rows, as many as the permutations allow: at the fitted threshold (an
# estimated Jaccard near 0.17) a pair is proposed with probability 1 - (1 - J**2)**64, 0.84
# at J = 0.17 and 0.99 from J = 0.3 (it missed 1 of the 648 labelled copies, at 0.18).
# One-row bands would miss none, but propose every pair that shares a single minimum: 9 %
# of all pairs in the devdata, far too many checks for a large corpus. The check of every
# proposed pair's estimate then rejects what is below the threshold.
_LSH_ROWS = 2
_DEFAULT_TUNING = DuplicateTuning()
# The sketch's version: bump it whenever `_shingle_hashes`, `_word_hash` or `newsrag.text.words`
# changes what an article's MinHash is, so that stored signatures are recomputed (`minhash_key`).
_SKETCH_VERSION = "1"
_SCHEME = "affine32"  # datasketch's permutation scheme: 32-bit hash values (uint32)
_SHINGLE_BASE = np.uint64(0x01000193)  # odd (the FNV prime): combining word hashes loses no bit
_MASK32 = np.uint64(0xFFFFFFFF)


@dataclass(frozen=True)
class _Sketch:
    article: SignedArticle
    minhash: MinHash
    compared: bool  # long enough to be compared by text (`tuning.min_words`)


@dataclass(frozen=True)
class ArticleSignature:
    """What grouping keeps of one article's text: its size and its MinHash values."""

    word_count: int  # tokens of `words(title + text)`: against `tuning.min_words`
    text_length: int  # len(article.text): the representative rule prefers the longest copy
    hashvalues: NDArray[np.uint32]  # the MinHash's `tuning.num_perm` values


@lru_cache(maxsize=1 << 18)  # bounded: a large corpus has millions of distinct tokens
def _word_hash(word: str) -> int:
    # Each word is hashed once (SHA-1, stable across runs and machines, unlike hash());
    # shingle hashes are combined from these with NumPy instead of hashing every shingle.
    return int.from_bytes(hashlib.sha1(word.encode("utf-8")).digest()[:4], "little")


def _shingle_hashes(tokens: Sequence[str], shingle_words: int) -> list[int]:
    """32-bit hashes of the distinct word n-grams; fewer words than n make one shingle of all."""
    if not tokens:
        return []
    word_hashes = np.array([_word_hash(t) for t in tokens], dtype=np.uint64)
    n = min(shingle_words, len(tokens))
    count = len(tokens) - n + 1
    hashes = np.zeros(count, dtype=np.uint64)
    for k in range(n):  # a polynomial in the word hashes, mod 2**32: word order matters
        hashes = (hashes * _SHINGLE_BASE + word_hashes[k : k + count]) & _MASK32
    return [int(h) for h in np.unique(hashes)]


@cache
def _permutations(num_perm: int) -> NDArray[np.uint32]:
    # Drawing the permutations is a tenth of the cost of a sketch: draw them once.
    permutations: NDArray[np.uint32] = MinHash(num_perm=num_perm, seed=_SEED).permutations
    return permutations


def _identity(value: int) -> int:
    return value


def _minhash(tokens: Sequence[str], tuning: DuplicateTuning) -> MinHash:
    sketch = MinHash(
        num_perm=tuning.num_perm,
        seed=_SEED,
        hashfunc=_identity,  # the values are already hashes
        permutations=_permutations(tuning.num_perm),
        scheme=_SCHEME,
    )
    sketch.update_batch(_shingle_hashes(tokens, tuning.shingle_words))
    return sketch


def minhash_key(tuning: DuplicateTuning = _DEFAULT_TUNING) -> str:
    """Names what a stored signature depends on: another key means every signature is recomputed.

    The threshold and `min_words` are left out: they act at grouping, on the same signatures.
    """
    return f"v{_SKETCH_VERSION}:{_SCHEME}:perm{tuning.num_perm}:shingle{tuning.shingle_words}:seed{_SEED}"


def article_signature(article: Article, tuning: DuplicateTuning = _DEFAULT_TUNING) -> ArticleSignature:
    """Sketch one article as `group_duplicates` does (title and text, `words` normalised)."""
    return _signature(article, words(f"{article.title}\n{article.text}"), tuning)


def _signature(article: Article, tokens: Sequence[str], tuning: DuplicateTuning) -> ArticleSignature:
    hashvalues: NDArray[np.uint32] = _minhash(tokens, tuning).hashvalues
    return ArticleSignature(len(tokens), len(article.text), hashvalues)


def signed(article: Article, signature: ArticleSignature | None) -> SignedArticle:
    """The article as grouping sees it; `signature=None` for one that needs no sketch (see `group_from_signatures`)."""
    return SignedArticle(
        id=article.id,
        url=article.url,
        source_path=article.source_path,
        published=article.published,
        text_length=len(article.text),
        word_count=signature.word_count if signature else None,
        hashvalues=signature.hashvalues if signature else None,
    )


def text_minhash(title: str, text: str, tuning: DuplicateTuning = _DEFAULT_TUNING) -> MinHash:
    """The sketch `group_duplicates` makes of one article; compare two with `.jaccard()`."""
    return _minhash(words(f"{title}\n{text}"), tuning)


def shingle_similarity(
    a_title: str, a_text: str, b_title: str, b_text: str, tuning: DuplicateTuning = _DEFAULT_TUNING
) -> float:
    """The MinHash-estimated Jaccard similarity of two texts, as `group_duplicates` sees them."""
    return float(text_minhash(a_title, a_text, tuning).jaccard(text_minhash(b_title, b_text, tuning)))


def _representative_key(article: SignedArticle) -> tuple[bool, dt.date, int, str]:
    # Undated copies after dated ones: a date is the evidence of which copy came first.
    return (article.published is None, article.published or dt.date.min, -article.text_length, article.id)


def _find(parent: dict[str, str], node: str) -> str:
    root = node
    while parent[root] != root:
        root = parent[root]
    while parent[node] != root:  # path compression keeps the components' trees flat
        parent[node], node = root, parent[node]
    return root


def _story_urls(articles: Sequence[Article | SignedArticle]) -> dict[str, list[str]]:
    """Normalised story URL -> ids of the articles that give it, for URLs shared by two or more."""
    by_url: dict[str, list[Article | SignedArticle]] = {}
    for article in articles:
        url = normalise_url(article.url)
        parts = urlsplit(url)
        if url and (parts.path or parts.query):  # a bare host is a front page, never one story
            by_url.setdefault(url, []).append(article)
    out = {}
    for url, sharing in by_url.items():
        paths = [a.source_path for a in sharing]
        if len(sharing) > 1 and len(set(paths)) == len(paths):  # one file giving it twice: not a story URL
            out[url] = sorted(a.id for a in sharing)
    return out


def group_duplicates(
    articles: Sequence[Article], tuning: DuplicateTuning = _DEFAULT_TUNING
) -> tuple[DuplicateGroup, ...]:
    """Groups of two or more articles that are one story: republished with small edits, or
    given the same story URL (a feed item and the page it links to).

    Articles with fewer than `tuning.min_words` words are never grouped by text, only by URL.
    Each group lists its representative first, then the others by id; groups are ordered by
    the representative's id. The result does not depend on the order of `articles`.
    Raises ValueError when two articles share an id.
    """
    ids = [article.id for article in articles]
    if len(set(ids)) != len(ids):
        raise ValueError("group_duplicates: article ids must be unique")
    joined_by_url = {article_id for sharing in _story_urls(articles).values() for article_id in sharing}
    out = []
    for article in articles:
        tokens = words(f"{article.title}\n{article.text}")
        # A short article joined by no URL is never grouped: it needs no sketch (the costly part).
        needed = len(tokens) >= tuning.min_words or article.id in joined_by_url
        out.append(signed(article, _signature(article, tokens, tuning) if needed else None))
    return group_from_signatures(out, tuning)


def group_from_signatures(
    articles: Sequence[SignedArticle], tuning: DuplicateTuning = _DEFAULT_TUNING
) -> tuple[DuplicateGroup, ...]:
    """`group_duplicates` from stored signatures, without the articles' texts; same groups, same order.

    The signatures must come from `article_signature` with this `tuning`'s `minhash_key`. An
    article may lack one (`hashvalues` None) only when it is shorter than `tuning.min_words`
    (as far as its `word_count`, when known, says) and shares no story URL; otherwise ValueError,
    as when two articles share an id.
    """
    ids = [article.id for article in articles]
    if len(set(ids)) != len(ids):
        raise ValueError("group_from_signatures: article ids must be unique")
    ordered = sorted(articles, key=lambda a: a.id)
    story_urls = _story_urls(ordered)
    joined_by_url = {article_id for sharing in story_urls.values() for article_id in sharing}
    sketches: list[_Sketch] = []
    for article in ordered:
        compared = article.word_count is not None and article.word_count >= tuning.min_words
        if not (compared or article.id in joined_by_url):  # a short article is sketched only for its group's similarity
            continue
        if article.hashvalues is None:
            raise ValueError(f"group_from_signatures: article {article.id} needs a signature and has none")
        if len(article.hashvalues) != tuning.num_perm:
            raise ValueError(f"group_from_signatures: article {article.id} has {len(article.hashvalues)} "
                             f"MinHash values, not {tuning.num_perm}")
        # LeanMinHash: a frozen MinHash made from stored values, without drawing permutations.
        sketches.append(_Sketch(article, LeanMinHash(seed=_SEED, hashvalues=article.hashvalues, scheme=_SCHEME),
                                compared))
    if len(sketches) < 2:
        return ()

    lsh = MinHashLSH(num_perm=tuning.num_perm, params=(tuning.num_perm // _LSH_ROWS, _LSH_ROWS))
    by_id = {sketch.article.id: sketch for sketch in sketches}
    parent = {article_id: article_id for article_id in by_id}
    for sketch in (s for s in sketches if s.compared):  # query before insert: each pair is proposed once
        for other_id in sorted(lsh.query(sketch.minhash)):
            if by_id[other_id].minhash.jaccard(sketch.minhash) >= tuning.threshold:
                parent[_find(parent, sketch.article.id)] = _find(parent, other_id)
        lsh.insert(sketch.article.id, sketch.minhash)
    for sharing in story_urls.values():
        for other_id in sharing[1:]:
            parent[_find(parent, other_id)] = _find(parent, sharing[0])

    members: dict[str, list[_Sketch]] = {}
    for sketch in sketches:
        members.setdefault(_find(parent, sketch.article.id), []).append(sketch)
    groups = []
    for component in members.values():
        if len(component) < 2:
            continue
        component.sort(key=lambda s: _representative_key(s.article))
        head, rest = component[0], sorted(component[1:], key=lambda s: s.article.id)
        similarity = min(float(head.minhash.jaccard(s.minhash)) for s in rest)
        groups.append(
            DuplicateGroup(article_ids=(head.article.id, *(s.article.id for s in rest)), similarity=similarity)
        )
    return tuple(sorted(groups, key=lambda g: g.article_ids[0]))
