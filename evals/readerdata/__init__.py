"""Public question-answering sets for training and testing the reader, one folder each.

- `squad2_dev/`: SQuAD 2.0 dev, complete (11,873 questions, 5,945 unanswerable, by paragraph). Train.
- `selqa/`: SelQA answer-sentence selection, dev and test (2,375 questions, 28,938 sentences). Train.
- `clapnq_dev/`: CLAPNQ dev (300 answerable, 300 unanswerable, gold passage and sentences).
  Test only, never trained or tuned on.
- `trecqa_test/`: TrecQA TEST (100 questions, 1,517 newswire candidate sentences, 68 clean).
  Test only, never trained or tuned on.

Each folder holds the compact data file, `SOURCE.md` (origin repository and commit, licence,
attribution, changes, counts) and `build.py`, which rebuilds the file byte for byte from the
pinned commit. `evals.readerdata.load` reads them into frozen dataclasses; README.md has the
table of sets, licences, counts and roles.
"""
