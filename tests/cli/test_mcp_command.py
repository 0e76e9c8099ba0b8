"""`newsrag mcp`'s command line: stdio by default, `--http [HOST:PORT]` for streamable HTTP.

(The tools are tested in tests/service/test_mcp_tools.py, the stdio server over the seeds in
tests/ui/test_service_live.py.)"""

from __future__ import annotations

import pytest

from cli.main import build_parser
from cli.mcp_command import DEFAULT_HTTP_ADDRESS, http_address
from newsrag.errors import InputError


def test_stdio_unless_http_is_asked_for_and_then_localhost():
    assert build_parser().parse_args(["mcp"]).http is None
    assert build_parser().parse_args(["mcp", "--http"]).http == DEFAULT_HTTP_ADDRESS == "127.0.0.1:7861"
    assert build_parser().parse_args(["mcp", "--http", "0.0.0.0:8000"]).http == "0.0.0.0:8000"


@pytest.mark.parametrize(("text", "address"), [("127.0.0.1:7861", ("127.0.0.1", 7861)),
                                               ("[::1]:9000", ("::1", 9000)), ("localhost:80", ("localhost", 80))])
def test_http_addresses(text, address):
    assert http_address(text) == address


@pytest.mark.parametrize("text", ["7861", "localhost", "host:port", ":7861", "host:70000"])
def test_a_bad_address_names_the_form(text):
    with pytest.raises(InputError, match="expected --http HOST:PORT"):
        http_address(text)
