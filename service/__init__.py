"""newsrag inside the tools people already use: an OpenAI-compatible chat API and an MCP server.

`openai_routes.openai_app` is the `/v1` API that `newsrag serve` mounts beside the page
(`ui/server.py`); `mcp_server.build_mcp_server` is what `newsrag mcp` runs
(`cli/mcp_command.py`). Both put the same answer into their protocol: the checked answer's
text with its `[n]` markers, the citations as structured data (`answer_shapes.py`) and as
a markdown sources list (`answer_markdown.py`).

A layer-3 program like `ui/` and `cli/`: it imports `newsrag/` and `rag/`, and is imported
by `ui/` (the mount) and `cli/` (the command) only (`tests/test_layers.py`).
"""
