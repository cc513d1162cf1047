"""The layout's import rules (README, "Aufbau des Codes"), checked on the source itself.

Every import counts, also the lazy ones inside functions: a rule that only held at module
level would let a tool call or a git read creep into the pure core unnoticed."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "pipeline"


def _module_name(path: Path) -> str:
    rel = path.relative_to(PACKAGE.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports(path: Path) -> set[str]:
    """Every module `path` imports, as dotted names (`from a import b` gives `a` and `a.b`)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


MODULES = {_module_name(p): _imports(p) for p in sorted(PACKAGE.rglob("*.py"))}


def _concern(module: str) -> str:
    """The room a module lives in: `pipeline.plan.body` -> `plan`, `pipeline.cli` -> `cli`."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "pipeline"


def _internal(names: set[str]) -> set[str]:
    return {n for n in names if n.split(".")[0] == "pipeline" and n in MODULES}


def _users_of(prefixes: tuple[str, ...]) -> set[str]:
    return {m for m, names in MODULES.items()
            if any(n == p or n.startswith(p + ".") for n in names for p in prefixes)}


def test_only_render_runs_pandoc_and_typst() -> None:
    tools = _users_of(("typst", "pypandoc"))
    runners = _users_of(("subprocess",))
    assert {_concern(m) for m in tools} <= {"render"}, tools
    assert {m for m in runners if _concern(m) != "render"} <= {"pipeline.history"}, runners


def test_only_history_talks_to_git() -> None:
    assert _users_of(("git", "gitdb")) <= {"pipeline.history"}


def test_cli_calls_commands_only() -> None:
    allowed = {"pipeline", "pipeline.errors", "pipeline.files", "pipeline.wording",
               "pipeline.commands"}
    used = {n for n in _internal(MODULES["pipeline.cli"])}
    assert {n for n in used if n not in allowed and _concern(n) != "commands"} == set()


def test_only_cli_uses_click() -> None:
    assert _users_of(("click",)) <= {"pipeline.cli"}


@pytest.mark.parametrize("core", ["plan", "review", "redline", "council", "assemble", "history"])
def test_the_core_imports_nothing_from_commands_or_cli(core: str) -> None:
    offenders = {m: sorted(n for n in _internal(names) if _concern(n) in ("commands", "cli"))
                 for m, names in MODULES.items() if _concern(m) == core}
    assert {m: v for m, v in offenders.items() if v} == {}


@pytest.mark.parametrize("pure", ["plan", "redline", "review", "council"])
def test_the_pure_core_renders_nothing(pure: str) -> None:
    offenders = {m: sorted(n for n in _internal(names) if _concern(n) == "render")
                 for m, names in MODULES.items() if _concern(m) == pure}
    assert {m: v for m, v in offenders.items() if v} == {}


def test_no_import_cycle_between_modules() -> None:
    graph = {m: {n for n in _internal(names) if n != m and not m.startswith(n + ".")}
             for m, names in MODULES.items()}
    # a package's __init__ re-exporting its own modules is not a cycle of concerns
    graph = {m: {n for n in deps if not (m == n.rsplit(".", 1)[0])} for m, deps in graph.items()}
    state: dict[str, int] = {}
    cycles: list[list[str]] = []

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                cycles.append(path[path.index(nxt):] + [nxt] if nxt in path else [node, nxt])
            elif nxt not in state:
                visit(nxt, path + [nxt])
        state[node] = 2

    for module in sorted(graph):
        if module not in state:
            visit(module, [module])
    assert cycles == []


def test_templates_are_found_by_one_locator_and_rendered_by_render() -> None:
    """Issue 14.6: templates/ is located once (render.templates_dir); only render/ uses
    Jinja2 (render/pages.py), and no module builds its own path to the templates."""
    assert {_concern(m) for m in _users_of(("jinja2",))} <= {"render"}
    own_paths = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path == PACKAGE / "render" / "__init__.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and node.value == "templates":
                own_paths.append(_module_name(path))
    assert own_paths == []


def test_no_file_keeps_a_merge_conflict() -> None:
    """A committed conflict marker broke `make` once (.ci/sysdeps.sh); no tracked text file may
    hold one."""
    import subprocess

    root = PACKAGE.parent
    files = subprocess.run(["git", "ls-files"], cwd=root, capture_output=True, text=True,
                           check=False).stdout.split()
    found = []
    for name in files:
        path = root / name
        if path.suffix in {".png", ".jpg", ".pdf", ".docx", ".gif"} or not path.is_file():
            continue
        text = path.read_bytes().decode("utf-8", "replace")
        found += [f"{name}:{i}" for i, line in enumerate(text.splitlines(), 1)
                  if line.startswith(("<<<<<<< ", ">>>>>>> ")) or line == "======="]
    assert found == []


def test_the_plan_package_names_its_lazy_model_names_once_for_each_reader() -> None:
    """pipeline.plan imports its model on first use: the names type checkers see and the
    names `__getattr__` hands out are two lists that must stay the same, and each resolves."""
    import pipeline.plan as plan

    tree = ast.parse((PACKAGE / "plan" / "__init__.py").read_text(encoding="utf-8"))
    typed = {alias.name for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)
             and node.module == "pipeline.plan.model" for alias in node.names}
    assert typed == set(plan._MODEL_NAMES)
    assert all(getattr(plan, name) is not None for name in typed)
