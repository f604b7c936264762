"""The layers: no module imports a module of a layer above its own, and the architecture page lists the same layers."""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "pilates_audio"
DOC = ROOT / "docs" / "architecture.md"

# Lowest first: a module may import its own layer and those below. Each entry names the top-level
# modules and packages under pilates_audio that make the layer ("" is pilates_audio/__init__.py).
LAYERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("base", ("", "errors", "files", "tools", "cache", "cache_runs", "languages", "engines")),
    ("format and settings", ("format", "settings")),
    ("timing", ("timing",)),
    ("speech", ("speech",)),
    ("sound", ("sound",)),
    ("publish", ("publish",)),
    ("web", ("web",)),
    ("render", ("render",)),
    ("compose", ("compose",)),
    ("studio, batch", ("studio", "batch")),
    ("cli", ("cli", "__main__")),
)

@dataclass(frozen=True)
class Import:
    """One import of a pilates_audio module, where it is written."""

    module: str  # the importing module, dotted
    path: Path
    line: int
    target: str  # the imported module, dotted


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def is_module(name: str) -> bool:
    """Say whether a dotted name is a module or package of this project (rather than a name in one)."""
    path = ROOT.joinpath(*name.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def import_nodes(tree: ast.AST) -> list[ast.Import | ast.ImportFrom]:
    """Return every import in a module, in functions too, leaving out those only made for type checkers."""
    found: list[ast.Import | ast.ImportFrom] = []
    todo: list[ast.AST] = [tree]
    while todo:
        node = todo.pop()
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            found.append(node)
        elif isinstance(node, ast.If) and is_type_checking(node):
            todo.extend(node.orelse)  # the body never runs
        else:
            todo.extend(ast.iter_child_nodes(node))
    return found


def targets(node: ast.Import | ast.ImportFrom, module: str, is_package: bool) -> list[str]:
    """Return the project modules an import statement loads."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    base = node.module or ""
    if node.level:
        parts = module.split(".")
        parts = parts[: len(parts) - node.level + (1 if is_package else 0)]
        base = ".".join(parts + ([node.module] if node.module else []))
    names = [f"{base}.{alias.name}" for alias in node.names]
    return list(dict.fromkeys(name if is_module(name) else base for name in names))


def imports() -> list[Import]:
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        module = module_name(path)
        for node in import_nodes(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            for target in targets(node, module, path.name == "__init__.py"):
                if target == "pilates_audio" or target.startswith("pilates_audio."):
                    found.append(Import(module, path, node.lineno, target))
    return sorted(found, key=lambda i: (str(i.path), i.line, i.target))


def layer_of(module: str) -> int:
    """Return the index in LAYERS of a dotted module's layer."""
    top = module.split(".")[1] if "." in module else ""
    for index, (_, members) in enumerate(LAYERS):
        if top in members:
            return index
    raise AssertionError(f"{module} is in no layer: add '{top}' to a layer in LAYERS (tests/test_layers.py) "
                         "and to the list in docs/architecture.md")


def upward() -> list[Import]:
    return [i for i in imports() if layer_of(i.target) > layer_of(i.module)]


def describe(i: Import) -> str:
    return (f"{i.path.relative_to(ROOT)}:{i.line}: {i.module} ({LAYERS[layer_of(i.module)][0]} layer) imports "
            f"{i.target} ({LAYERS[layer_of(i.target)][0]} layer), a layer above its own")


def test_imports_are_found() -> None:
    """The reader sees plain, from, lazy and relative imports, and skips those made only for type checkers."""
    tree = ast.parse("import pilates_audio.render\nfrom pilates_audio import cache, __version__\n"
                     "def f():\n    from pilates_audio.sound.beds import music\n"
                     "if TYPE_CHECKING:\n    from pilates_audio import cli\n")
    found = sorted(t for n in import_nodes(tree) for t in targets(n, "pilates_audio.timing.fit", False))
    assert found == ["pilates_audio", "pilates_audio.cache", "pilates_audio.render", "pilates_audio.sound.beds.music"]
    relative = ast.parse("from . import fit\nfrom ..format import units\n").body
    assert targets(relative[0], "pilates_audio.timing", True) == ["pilates_audio.timing.fit"]
    assert targets(relative[1], "pilates_audio.timing.script", False) == ["pilates_audio.format.units"]


def test_every_module_has_a_layer() -> None:
    for path in PACKAGE.rglob("*.py"):
        layer_of(module_name(path))


def test_no_module_imports_a_higher_layer() -> None:
    found = [describe(i) for i in upward()]
    assert not found, "imports of a higher layer:\n" + "\n".join(found)


def documented_layers() -> list[tuple[str, tuple[str, ...]]]:
    """Read the numbered list between the layer markers in docs/architecture.md."""
    text = DOC.read_text(encoding="utf-8")
    block = re.search(r"<!-- layers -->\n(.*?)<!-- /layers -->", text, re.S)
    assert block, f"{DOC.relative_to(ROOT)} has no list between <!-- layers --> and <!-- /layers -->"
    layers = []
    for line in block.group(1).strip().splitlines():
        match = re.fullmatch(r"\d+\. \*\*(.+?)\*\*: (.+)", line.strip())
        assert match, f"{DOC.relative_to(ROOT)}: cannot read the layer line {line!r}"
        modules = tuple(name.strip().strip("`") for name in match.group(2).split(","))
        layers.append((match.group(1), modules))
    return layers


def test_the_architecture_page_lists_the_same_layers() -> None:
    expected = [(name, tuple(m or "pilates_audio/__init__.py" for m in members)) for name, members in LAYERS]
    assert documented_layers() == expected, (
        f"{DOC.relative_to(ROOT)} lists other layers than LAYERS in tests/test_layers.py: make them the same")
