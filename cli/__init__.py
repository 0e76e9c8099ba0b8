"""The `newsrag` terminal command line: one module per command, the shared flags in `options.py`.

It sits beside `ui/` at the top of the program: it may import every lower layer
(`newsrag/`, `index/`, `rag/`) and the packages it is the command line of, `ui/`
(`newsrag serve`), `service/` (`newsrag mcp`) and `evals/` (`newsrag eval`); nothing imports it
(`tests/test_layers.py` keeps it so).
"""
