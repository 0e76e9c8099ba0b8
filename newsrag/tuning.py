"""Every tuned number of the product, in one place, grouped by the stage that uses it.

A number belongs here when changing it changes what the product retrieves, answers or
accepts: a threshold, a weight, a size or a limit. Each field says what it is, why it
has its value and where that value was measured or fitted. Modules take these objects
as arguments (nothing reads a global), so a test or an evaluation can run a stage with
other numbers without patching a module.

Two kinds of field:
- numbers a user can set (`NEWSRAG_TOP_K`, `NEWSRAG_CHUNK_TOKENS`, ...) have no default
  here: their one default is in `newsrag/settings.py`, and the group's own `from_settings`
  copies them in;
- numbers nobody sets at run time have their one default here.

Deliberately left out:
- the fitted scorer (`rag/models/sentence_scorer.json`: feature weights, the refusal
  threshold, the extra-sentence share and the sentence cap of open answers), which
  `make fit` rewrites and `rag/answering/sentence_scorer.py` loads;
- the feature encodings of `rag/answering/sentence_features.py` (caps such as "at most 5 new
  anchors"): the fitted weights were learnt on exactly those encodings, so they are
  part of the model's definition, not knobs;
- pattern windows inside the rules of `rag/language/anchors.py` and `rag/checking/role_reversal.py` (how many
  characters before a name to look for a title), cache sizes (they change speed and
  memory, never an answer) and display limits of messages.
"""

from __future__ import annotations

from dataclasses import dataclass

from newsrag.settings import Settings


@dataclass(frozen=True)
class ChunkingTuning:
    """How articles are cut into the chunks that are embedded and retrieved."""

    # Budget of one chunk in tiktoken tokens (NEWSRAG_CHUNK_TOKENS). All-MiniLM-L6-v2
    # reads at most 256 word pieces; 192 tiktoken tokens of news English stay under it
    # with the title prepended, so nothing a chunk holds is cut off by the model.
    chunk_tokens: int
    # Whole trailing sentences repeated at the start of the next chunk, at most this many
    # tokens (NEWSRAG_CHUNK_OVERLAP_TOKENS): an answer that straddles a boundary is then
    # whole in one of the two chunks.
    overlap_tokens: int

    @classmethod
    def from_settings(cls, settings: Settings) -> ChunkingTuning:
        return cls(chunk_tokens=settings.chunk_tokens, overlap_tokens=settings.chunk_overlap_tokens)


@dataclass(frozen=True)
class RetrievalTuning:
    """How many chunks each side of hybrid retrieval returns and how the lists are merged."""

    # Passages handed to the answerer (NEWSRAG_TOP_K); `newsrag eval` measures recall at it.
    top_k: int
    # Chunks each side (dense, BM25) returns before fusion (NEWSRAG_CANDIDATE_K): deep
    # enough that a chunk found by only one side still survives fusion into the top_k.
    candidate_k: int
    # The k of reciprocal-rank fusion, 1 / (rrf_k + rank) (NEWSRAG_RRF_K): 60 is the value
    # of Cormack et al. (2009), robust across collections without calibration.
    rrf_k: int
    # A passage whose word 3-gram shingles are this much inside a higher-ranked passage
    # (or whose character range is this much inside a kept chunk of the same article) is
    # a near-duplicate: the same wire sentence from two outlets, or overlapping chunks.
    # Set by hand: high enough that two chunks sharing only their overlap both stay.
    duplicate_containment: float = 0.8
    # Words per shingle for that comparison; three words are rare enough to mean copying.
    shingle_words: int = 3
    # A reranker, when configured, sees the first max(factor * top_k, min(candidate_k,
    # floor)) fused passages: enough to promote a passage fusion ranked low, few enough
    # for a CPU cross-encoder to stay inside the latency target. Set by hand; no
    # cross-encoder ships, so nothing here has measured it.
    rerank_depth_factor: int = 3
    rerank_depth_floor: int = 20

    @classmethod
    def from_settings(cls, settings: Settings) -> RetrievalTuning:
        return cls(top_k=settings.top_k, candidate_k=settings.candidate_k, rrf_k=settings.rrf_k)


@dataclass(frozen=True)
class AnsweringTuning:
    """Limits of the offline and the LLM answerer that the fitted scorer does not decide."""

    # An extra sentence of an open answer whose shingles are this much inside a sentence
    # already chosen repeats it, and is skipped. Fixed (by hand) before `make fit` swept
    # the extra-sentence share, which was fitted with this value in place.
    repeat_containment: float = 0.6
    # Candidate sentences the offline scorer ranked highest that an LLM is shown instead
    # of whole passages: about two per passage at the default top_k.
    llm_evidence_sentences: int = 8
    # Characters of one passage in the LLM prompt: ~300 tokens, so six passages fit a 4k
    # context with room for the answer.
    llm_max_passage_chars: int = 1200
    # The smallest passage cut that still shows a sentence; smaller is a configuration error.
    llm_min_passage_chars: int = 50
    # An LLM answer is cut to this many sentences: the prompt asks for four, so more is a
    # runaway model's babble.
    llm_max_sentences: int = 12


@dataclass(frozen=True)
class ConversationTuning:
    """How follow-up questions are rewritten into standalone ones."""

    # Finished turns the LLM condenser is shown: older turns rarely hold the referent and
    # cost context.
    llm_history_turns: int = 4
    # Characters of each earlier answer in the condense prompt.
    llm_answer_chars: int = 600
    # A rewrite longer than max(floor, factor * the question's length) is an answer or a
    # paragraph, not a question; the user's own question is searched instead.
    llm_rewrite_floor_chars: int = 300
    llm_rewrite_length_factor: int = 4
    # A previous answer of at most this many words is the entity itself ("Marzieh
    # Afkham."), so "it"/"he" in the follow-up can be replaced by it.
    short_answer_words: int = 8


@dataclass(frozen=True)
class CheckingTuning:
    """The support checker's thresholds and weights (`rag/checking/support_checker.py`).

    Calibrated with `python -m evals.checker_eval` on `evals/checker_pairs.jsonl`
    (hand-written and generated supported/contradicted pairs); `tests/rag/
    test_checker_pairs.py` gates the result.
    """

    # Share of the sentence's content words that must be in the cited text.
    min_coverage: float = 0.7
    # The same for its worst clause: catches an invented clause added to a true sentence.
    min_clause_coverage: float = 0.5
    # Cosine to the best cited sentence window, when an embedder is given (the packaged
    # MiniLM; `evals.checker_eval` prints the pairs' accuracy with and without it).
    min_similarity: float = 0.65
    # NLI probability of "entailment", when an NLI model is given.
    min_entailment: float = 0.5
    # Shorter exact matches prove little ("Iran agreed.").
    min_verbatim_words: int = 4
    # Shortest stem that may match a longer one it starts ("announc" ~ "announcement").
    stem_prefix: int = 5
    # A clause with fewer content words than this is too short to be a claim of its own.
    min_clause_terms: int = 3
    # The weights below were set by hand and are held by the checker-pair gate.
    # Locating a sentence: weight of the claim's dates/numbers/names found in a window,
    # against its word coverage (1.0)...
    locate_anchor_weight: float = 0.5
    # ...and the penalty of a two-sentence window, so that one sentence that says it all wins.
    locate_pair_penalty: float = 0.08
    # The score of a sentence whose anchors or roles contradict the passage is at most this,
    # whatever its word overlap: a wrong date in a copied sentence must not score high.
    contradicted_score_cap: float = 0.3


@dataclass(frozen=True)
class CleaningTuning:
    """Line-shape rules of news cleaning (`index/cleaning.py`), set on the seeds and the
    development articles (`evals/devdata/`): headlines, teasers and pasted second stories."""

    # A derived title (no headline line) is the first sentence cut at a word below this.
    max_title_chars: int = 90
    # A headline line has at most this many words and characters.
    headline_max_words: int = 25
    headline_max_chars: int = 200
    # A related-story headline in the tail after the story is shorter than a real headline.
    tail_headline_max_words: int = 16
    # Lines longer than this are prose, even if they contain a footer phrase.
    junk_max_words: int = 30
    # A menu line has at least this many `|`-separated cells of at most this many words.
    menu_min_cells: int = 3
    menu_cell_max_words: int = 4
    # "Source: X" is looked for in the last lines of a file, X at most this many words.
    source_window_lines: int = 6
    source_max_words: int = 6
    # A second story pasted under the first opens with a headline of 5 to 16 words (at most
    # 150 characters, at least a quarter of the words capitalised) followed by a paragraph
    # of at least 20 words.
    story_break_min_words: int = 5
    story_break_max_words: int = 16
    story_break_max_chars: int = 150
    story_break_min_capitalised: float = 0.25
    story_break_min_following_words: int = 20


@dataclass(frozen=True)
class DuplicateTuning:
    """How `index/duplicates.py` finds republished copies of one story (MinHash/LSH, datasketch).

    shingle_words and threshold are fitted by `python -m evals.fit_duplicates` on the fit split of
    evals/duplicates/ (simulated republished copies of real devdata articles against real pairs of
    different articles): highest recall at precision >= 0.98, then the highest tied threshold.
    Test split (180 copies, 4,005 pairs of different real articles, LSH included): precision
    1.000, recall 1.000; grouping all 324 devdata articles at once merges none. The margin is
    thin (see the threshold comment), so these figures are an upper bound: a stricter 0.20 would
    keep test recall at 0.994. Report: evals/duplicates/report.md.
    """

    shingle_words: int = 3  # word n-grams hashed into each article's MinHash; fitted (3, 4, 5 tried)
    num_perm: int = 128  # MinHash permutations: estimate error ~ 1/sqrt(num_perm); not fitted
    # Estimated Jaccard similarity from which two articles are one story; fitted. On the fit
    # split the hardest copy (a heavily trimmed short story) is at 0.180 and the most similar
    # pair of different articles at 0.125, so 0.13-0.17 all separate them; the highest is kept.
    threshold: float = 0.17
    min_words: int = 40  # shorter articles are never grouped: too few shingles to tell copies from quotes


@dataclass(frozen=True)
class TimelineTuning:
    """How much the timeline (rag/research/timeline.py) reads and shows for one query.

    Display limits, not fitted: they bound the page a researcher scrolls, never what an answer says.
    """

    passages: int = 20  # passages retrieved for the query; their articles are the matching ones
    max_articles: int = 8  # the best-ranked matching articles whose dated sentences are listed
    max_entries: int = 80  # dated sentences shown at most, earliest first


@dataclass(frozen=True)
class DisagreementTuning:
    """How many sentences rag/research/disputed_claims.py weighs against an answer's cited ones.

    Search limits, not decision thresholds: whether a pair disagrees is the fitted detector's
    call (rag/models/disagreement.json). More candidates find more conflicts and cost one
    detector call per (cited sentence, candidate) pair.
    """

    candidates: int = 12  # retrieved sentences most similar to the question, other than the cited ones
    max_disagreements: int = 2  # pairs shown per answer, the most probable first
