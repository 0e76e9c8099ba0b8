"""The disagreement pairs: mining script (build_candidates.py) and the hand-labelled set (pairs.jsonl)."""
