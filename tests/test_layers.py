"""Import layering and import cycles, read from the source with `ast` (nothing is imported).

The layers, lowest first:

    0  newsrag/                    the foundation: types, settings, errors, protocols, text
    1  index/                      the write side: load, clean, chunk, embed, store
    2  rag/                        the read side: retrieve, answer, cite, check, converse
    3  ui/  cli/  service/  evals/  bench/   the programs built on them

(a) Layering. A module imports its own layer and the layers below it, never one above.
    The layer-3 packages are separate programs and import each other only where one is
    built on another:
      cli   -> ui, service, evals   `newsrag serve`, `newsrag mcp` and `newsrag eval` are their command line
      ui    -> service              the page's server serves the OpenAI-compatible API beside the page
      bench -> evals, ui            the index benchmark compares against the eval's llama-index baseline;
                                    the API benchmark measures the page's server
    and nothing else: service and evals import no other program, and nothing imports cli.
    Every import counts: at module level, inside functions, and under `if TYPE_CHECKING:`
    (a type-only import still ties one module's code to the other's).

(b) Stages of rag/. Inside the read side, each stage is a subpackage that imports only the
    stages it builds on; the modules at the top of rag/ (the assistant, the conversation,
    the follow-up rewriters, the conversation starters) put the stages together and may
    import any of them, and no stage imports the top:
      language, llm, retrieval   build on nothing else in rag/
      answering                  language, llm, retrieval
      checking                   language, answering
      research                   language, retrieval, answering, checking
      jobs                       language, llm, retrieval, answering
    `rag/` keeps at most 15 modules at its top.

(c) Cycles. No cycle of runtime imports between modules, counting module-level and
    function-level imports alike (a function-level import is a cycle waiting for the day
    it moves to the top). Imports under `if TYPE_CHECKING:` never run, so they are not
    counted here (they are in (a)).

A failure names every offending edge as "importer -> imported (file:line)".
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LAYERS = {"newsrag": 0, "index": 1, "rag": 2, "ui": 3, "cli": 3, "service": 3, "evals": 3, "bench": 3}
# The stages of rag/ and the stages each builds on (see (b) in the module docstring).
RAG_STAGES: dict[str, frozenset[str]] = {
    "language": frozenset(), "llm": frozenset(), "retrieval": frozenset(),
    "answering": frozenset({"language", "llm", "retrieval"}),
    "checking": frozenset({"language", "answering"}),
    "research": frozenset({"language", "retrieval", "answering", "checking"}),
    "jobs": frozenset({"language", "llm", "retrieval", "answering"}),
}
MAX_TOP_MODULES = 15
# Layer-3 packages that may import another layer-3 package (see the module docstring).
PROGRAMS_BUILT_ON = {"cli": frozenset({"ui", "service", "evals"}), "ui": frozenset({"service"}),
                     "bench": frozenset({"evals", "ui"})}


@dataclass(frozen=True)
class Import:
    importer: str  # dotted module name, e.g. "rag.assistant"
    imported: str  # the module of ours it names (the longest existing prefix)
    where: str  # "rag/assistant.py:31"
    type_only: bool  # under `if TYPE_CHECKING:`

    def __str__(self) -> str:
        return f"{self.importer} -> {self.imported} ({self.where})"


def module_files(root: Path = ROOT) -> dict[str, Path]:
    """Every module of the layered packages by dotted name (a package is its __init__)."""
    out: dict[str, Path] = {}
    for package in LAYERS:
        for path in sorted((root / package).rglob("*.py")):
            parts = path.relative_to(root).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            out[name] = path
    return out


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _resolve(name: str, known: Iterable[str]) -> str | None:
    """The longest prefix of `name` that is one of our modules, or None (not ours)."""
    known = set(known)
    parts = name.split(".")
    for end in range(len(parts), 0, -1):
        candidate = ".".join(parts[:end])
        if candidate in known:
            return candidate
    return None


def imports_of(module: str, source: str, known: Iterable[str], filename: str, is_package: bool = False
               ) -> list[Import]:
    """Every import of one of our modules in `source`, at any depth, with its TYPE_CHECKING-ness."""
    known = set(known)
    package = module if is_package else module.rpartition(".")[0]
    found: list[Import] = []

    def add(target: str, node: ast.stmt, type_only: bool) -> None:
        resolved = _resolve(target, known)
        if resolved is not None and resolved != module:
            found.append(Import(module, resolved, f"{filename}:{node.lineno}", type_only))

    def visit(node: ast.AST, type_only: bool) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            for child in node.body:
                visit(child, True)
            for child in node.orelse:
                visit(child, type_only)
            return
        if isinstance(node, ast.Import):
            for alias in node.names:
                add(alias.name, node, type_only)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: from the importer's package upwards
                anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join([*anchor, *([base] if base else [])])
            for alias in node.names:
                # `from pkg import mod` imports the module pkg.mod when there is one
                add(f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base, node, type_only)
        for child in ast.iter_child_nodes(node):
            visit(child, type_only)

    visit(ast.parse(source, filename=filename), False)
    return found


def all_imports(root: Path = ROOT) -> list[Import]:
    files = module_files(root)
    out: list[Import] = []
    for name, path in files.items():
        out.extend(imports_of(name, path.read_text(encoding="utf-8"), files, str(path.relative_to(root)),
                              is_package=path.name == "__init__.py"))
    return out


def layering_violations(imports: Iterable[Import]) -> list[Import]:
    """Imports that go up a layer, or across layer 3 where no program is built on the other."""
    bad = []
    for imp in imports:
        src, dst = imp.importer.split(".")[0], imp.imported.split(".")[0]
        if src == dst:
            continue
        upward = LAYERS[dst] > LAYERS[src]
        across = LAYERS[dst] == LAYERS[src] == 3 and dst not in PROGRAMS_BUILT_ON.get(src, frozenset())
        if upward or across:
            bad.append(imp)
    return bad


def rag_stage(module: str) -> str | None:
    """The stage a rag/ module belongs to, "" for the modules at rag/'s top, None outside rag/."""
    parts = module.split(".")
    if parts[0] != "rag":
        return None
    return parts[1] if len(parts) > 2 or (len(parts) == 2 and parts[1] in RAG_STAGES) else ""


def stage_violations(imports: Iterable[Import]) -> list[Import]:
    """Imports inside rag/ from a stage to one it does not build on, or from a stage to the top."""
    bad = []
    for imp in imports:
        src, dst = rag_stage(imp.importer), rag_stage(imp.imported)
        if src is None or dst is None or src == "" or src == dst:
            continue
        if dst == "" or dst not in RAG_STAGES.get(src, frozenset()):
            bad.append(imp)
    return bad


def _strongly_connected(graph: Mapping[str, set[str]]) -> Iterator[list[str]]:
    """Tarjan's strongly connected components (iterative: deep import chains must not recurse)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    counter = 0
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph.get(start, ()))))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            advanced = False
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                    advanced = True
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            if advanced:
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                yield sorted(component)


def cycle_edges(imports: Iterable[Import]) -> list[Import]:
    """The runtime imports that lie on a cycle (every edge inside a strongly connected group)."""
    runtime = [imp for imp in imports if not imp.type_only]
    graph: dict[str, set[str]] = {}
    for imp in runtime:
        graph.setdefault(imp.importer, set()).add(imp.imported)
    groups = {m: i for i, comp in enumerate(_strongly_connected(graph)) if len(comp) > 1 for m in comp}
    return [imp for imp in runtime
            if imp.importer in groups and groups[imp.importer] == groups.get(imp.imported)]


def _report(title: str, edges: list[Import]) -> str:
    return f"{title} ({len(edges)}):\n" + "\n".join(f"  {e}" for e in sorted(edges, key=str))


# ------------------------------------------------------------------------------ the real tree


def test_the_tree_is_found():
    files = module_files()
    assert {"newsrag.settings", "index.pipeline", "rag.assistant", "ui.app", "cli.main", "service.openai_routes",
            "evals.runner"} <= set(files)
    assert len(all_imports()) > 100  # the reader sees the imports, not an empty tree


def test_no_module_imports_a_higher_layer_or_a_program_it_is_not_built_on():
    bad = layering_violations(all_imports())
    assert not bad, _report("imports against the layering (see tests/test_layers.py)", bad)


def test_every_stage_of_rag_imports_only_the_stages_it_builds_on():
    bad = stage_violations(all_imports())
    assert not bad, _report("rag/ imports against the stages (see tests/test_layers.py)", bad)


def test_rag_is_grouped_into_its_stages():
    top = sorted(p.name for p in (ROOT / "rag").glob("*.py"))
    assert len(top) <= MAX_TOP_MODULES, f"expected at most {MAX_TOP_MODULES} modules at rag/'s top, got {top}"
    stages = {p.parent.name for p in (ROOT / "rag").glob("*/__init__.py")}
    assert stages == set(RAG_STAGES), f"expected the stages {sorted(RAG_STAGES)}, got {sorted(stages)}"


def test_no_runtime_import_cycles():
    bad = cycle_edges(all_imports())
    assert not bad, _report("imports on a cycle", bad)


# ------------------------------------------------------------------------------ the checker itself

KNOWN = {"newsrag", "newsrag.types", "index", "index.store", "rag", "rag.a", "rag.b", "rag.c", "ui", "ui.app",
         "cli", "cli.main", "evals", "evals.runner", "bench", "bench.run"}


def _imports(sources: Mapping[str, str]) -> list[Import]:
    return [imp for module, source in sources.items()
            for imp in imports_of(module, source, KNOWN, f"{module.replace('.', '/')}.py")]


def test_every_kind_of_upward_import_is_reported_by_name():
    found = _imports({
        "newsrag.types": "from rag.a import x\n",  # module level
        "index.store": "def f():\n    import ui.app\n",  # inside a function
        "rag.a": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from cli import main\n",  # type-only
        "ui.app": "import evals.runner\n",  # across programs
        "evals.runner": "from bench import run\n",
        "cli.main": "from ui import app\nfrom evals.runner import main\nfrom index.store import x\n",  # allowed
        "bench.run": "from evals import runner\nfrom newsrag.types import T\n",  # allowed
    })
    assert sorted(str(e) for e in layering_violations(found)) == [
        "evals.runner -> bench.run (evals/runner.py:1)",
        "index.store -> ui.app (index/store.py:2)",
        "newsrag.types -> rag.a (newsrag/types.py:1)",
        "rag.a -> cli.main (rag/a.py:3)",
        "ui.app -> evals.runner (ui/app.py:1)",
    ]


def test_cycles_count_function_level_imports_but_not_type_checking_ones():
    found = _imports({
        "rag.a": "import rag.b\n",
        "rag.b": "def later():\n    from rag.c import y\n",
        "rag.c": "from rag import a\n",  # closes a -> b -> c -> a
        "ui.app": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from rag.a import A\nimport rag.a\n",
    })
    assert sorted(str(e) for e in cycle_edges(found)) == [
        "rag.a -> rag.b (rag/a.py:1)", "rag.b -> rag.c (rag/b.py:2)", "rag.c -> rag.a (rag/c.py:1)",
    ]
    typed_only = _imports({"rag.a": "import rag.b\n",
                           "rag.b": "import typing\nif typing.TYPE_CHECKING:\n    import rag.a\n"})
    assert cycle_edges(typed_only) == []


def test_stage_rules_report_a_stage_reaching_up_or_sideways():
    known = {"rag", "rag.assistant", "rag.language.anchors", "rag.retrieval.hybrid", "rag.answering.offline_answerer",
             "rag.checking.checker", "rag.research.timeline", "rag.jobs.runner"}
    found = [imp for module, source in {
        "rag.language.anchors": "from rag.answering.offline_answerer import Draft\n",  # up
        "rag.checking.checker": "from rag.retrieval.hybrid import R\nfrom rag.answering.offline_answerer import D\n",
        "rag.jobs.runner": "from rag.research.timeline import T\nfrom rag import assistant\n",  # sideways, top
        "rag.research.timeline": "from rag.retrieval.hybrid import R\nfrom rag.checking.checker import C\n",
        "rag.assistant": "from rag.jobs.runner import J\nfrom rag.research.timeline import T\n",  # the top: any
    }.items() for imp in imports_of(module, source, known, f"{module.replace('.', '/')}.py")]
    assert sorted(str(e) for e in stage_violations(found)) == [
        "rag.checking.checker -> rag.retrieval.hybrid (rag/checking/checker.py:1)",
        "rag.jobs.runner -> rag.assistant (rag/jobs/runner.py:2)",
        "rag.jobs.runner -> rag.research.timeline (rag/jobs/runner.py:1)",
        "rag.language.anchors -> rag.answering.offline_answerer (rag/language/anchors.py:1)",
    ]
