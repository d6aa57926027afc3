"""The project files a module imports, directly or not: its import closure, read from the source
(ast), never by importing it.

Two users: the test that holds each DVC stage's code `deps` in dvc.yaml equal to the closure of
its stage script (so an edit reruns exactly the stages that import it), and the training
checkpoint's code fingerprint (a checkpoint is resumed only by the code that wrote it, and an
edit to the report or the CLI help leaves it valid). Every import counts, also one inside a
function (lazy imports still run); imports of other packages (torch, numpy) are not followed.
"""
from __future__ import annotations

import ast
from functools import lru_cache
from pathlib import Path

ROOTS = ("fashion", "stages")  # top-level packages of this project


def module_file(root: Path, module: str) -> Path | None:
    """fashion.train.loop -> root/fashion/train/loop.py (or .../__init__.py); None when absent."""
    base = root.joinpath(*module.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def _package_inits(root: Path, module: str) -> list[Path]:
    """The __init__.py of every package above `module` (importing a.b.c runs a and a.b first)."""
    parts = module.split(".")
    found = []
    for depth in range(1, len(parts)):
        init = root.joinpath(*parts[:depth], "__init__.py")
        if init.is_file():
            found.append(init)
    return found


def _module_name(root: Path, path: Path) -> str:
    relative = path.relative_to(root).with_suffix("")
    parts = relative.parts[:-1] if relative.name == "__init__" else relative.parts
    return ".".join(parts)


def _imported_modules(root: Path, path: Path) -> set[str]:
    """Project modules `path` imports (for `from a import b`, a.b too when b is a module)."""
    tree = ast.parse(path.read_bytes(), filename=str(path))
    package = _module_name(root, path)
    if path.name != "__init__.py":
        package = package.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - (node.level - 1)] if node.level > 1 else anchor
                base = ".".join(anchor + ([node.module] if node.module else []))
            else:
                base = node.module or ""
            names = [base] + [f"{base}.{alias.name}" for alias in node.names]
        else:
            continue
        found.update(name for name in names if name.split(".")[0] in ROOTS)
    return found


@lru_cache(maxsize=None)
def _closure(root: Path, module: str) -> tuple[Path, ...]:
    start = module_file(root, module)
    if start is None:
        raise ModuleNotFoundError(f"{module}: no such module under {root}")
    seen: set[Path] = set()
    pending = [start, *_package_inits(root, module)]
    while pending:
        path = pending.pop()
        if path in seen:
            continue
        seen.add(path)
        for name in _imported_modules(root, path):
            target = module_file(root, name)
            if target is not None:
                pending.append(target)
                pending.extend(_package_inits(root, name))
    return tuple(sorted(seen))


def import_closure(module: str, root: str | Path | None = None) -> list[Path]:
    """Files (absolute, sorted) of `module` and every project module it imports, transitively."""
    base = Path(root).resolve() if root is not None else Path(__file__).resolve().parents[1]
    return list(_closure(base, module))
