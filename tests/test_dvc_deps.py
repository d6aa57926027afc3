"""dvc.yaml's code deps are exactly what each stage script imports (its import closure), so an
edit reruns the stages that run that code and no other, and the two cannot drift apart."""
import re
from pathlib import Path

import pytest
import yaml

from fashion.code_closure import import_closure

REPO = Path(__file__).resolve().parents[1]
CODE_ROOTS = ("fashion/", "stages/")


def stages():
    return yaml.safe_load((REPO / "dvc.yaml").read_text())["stages"]


def code_deps(deps: list[str]) -> set[str]:
    """dvc.yaml code deps as files (a folder entry stands for every .py file below it)."""
    files = set()
    for dep in deps:
        if not dep.startswith(CODE_ROOTS):
            continue
        path = REPO / dep
        files.update(p.relative_to(REPO).as_posix() for p in path.rglob("*.py")) if path.is_dir() else files.add(dep)
    return files


@pytest.mark.parametrize("name", sorted(stages()))
def test_stage_code_deps_are_its_import_closure(name):
    stage = stages()[name]
    module = re.match(r"python -m (stages\.\w+)", stage["cmd"]).group(1)
    closure = {p.relative_to(REPO).as_posix() for p in import_closure(module, REPO)}
    declared = code_deps(stage["deps"])
    assert declared == closure, (
        f"dvc.yaml stage {name}: code deps differ from what {module} imports\n"
        f"  missing: {sorted(closure - declared)}\n  not imported: {sorted(declared - closure)}\n"
        "  the closure, to paste:\n" + "\n".join(f"    - {f}" for f in sorted(closure)))


def test_closure_follows_lazy_and_relative_imports(tmp_path):
    package = tmp_path / "fashion"
    (package / "sub").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "sub" / "__init__.py").write_text("")
    (package / "sub" / "a.py").write_text("def f():\n    from . import b\n    import numpy\n")
    (package / "sub" / "b.py").write_text("from ..c import thing\n")
    (package / "c.py").write_text("thing = 1\n")
    (package / "unused.py").write_text("")
    files = {p.relative_to(tmp_path).as_posix() for p in import_closure("fashion.sub.a", tmp_path)}
    assert files == {"fashion/__init__.py", "fashion/sub/__init__.py", "fashion/sub/a.py", "fashion/sub/b.py",
                     "fashion/c.py"}


def test_training_fingerprint_ignores_the_report_and_cli_help():
    files = {p.relative_to(REPO).as_posix() for p in import_closure("fashion.train.loop", REPO)}
    assert "fashion/train/loop.py" in files and "fashion/models/heads.py" in files
    assert not any(f.startswith("fashion/report/") for f in files)
    assert "fashion/train/commands.py" not in files and "fashion/text/rank.py" not in files
