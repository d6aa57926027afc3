"""Nothing in fashion/, stages/ or benchmarks/ unpickles a file or evaluates text: a model or vectors
file someone hands over must not be able to run code. Read with ast (calls, not words in comments)."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SCANNED = ("fashion", "stages", "benchmarks")
PICKLE_MODULES = {"pickle", "cPickle", "_pickle", "dill", "cloudpickle", "joblib", "marshal", "shelve"}
UNSAFE_YAML_LOADERS = {"Loader", "UnsafeLoader", "FullLoader"}


def _dotted(node: ast.AST) -> str:
    """"np.lib.format.read_array" for an attribute chain, "" for anything else."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return ""


def _keyword(call: ast.Call, name: str):
    return next((k.value for k in call.keywords if k.arg == name), None)


def _is_true(node) -> bool:
    return isinstance(node, ast.Constant) and node.value is True


def findings(source: str, filename: str = "<source>") -> list[str]:
    """Each unsafe load or eval in ``source`` as "file:line: what"."""
    tree = ast.parse(source, filename)
    aliases: dict[str, str] = {}  # local name -> module or "module.name" it stands for
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                aliases[a.asname or a.name.split(".")[0]] = a.name if a.asname else a.name.split(".")[0]
        elif isinstance(node, ast.ImportFrom) and node.module:
            for a in node.names:
                aliases[a.asname or a.name] = f"{node.module}.{a.name}"
    out = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = _dotted(node.func)
        head, _, rest = name.partition(".")
        full = f"{aliases.get(head, head)}.{rest}" if rest else aliases.get(head, head)
        module, _, attr = full.rpartition(".")
        why = None
        if isinstance(node.func, ast.Name) and node.func.id in ("eval", "exec") and head not in aliases:
            why = f"{node.func.id}() runs text as code"
        elif module.split(".")[0] in PICKLE_MODULES and attr in ("load", "loads", "Unpickler", "open"):
            why = f"{full} unpickles"
        elif attr == "read_pickle":  # pandas
            why = f"{full} unpickles"
        elif full.startswith("gensim.") and attr == "load":
            why = f"{full} reads gensim's pickled native format"
        elif full == "torch.load" and not _is_true(_keyword(node, "weights_only")):
            why = "torch.load without weights_only=True unpickles"
        elif full == "numpy.load" and _keyword(node, "allow_pickle") is not None \
                and not (isinstance(_keyword(node, "allow_pickle"), ast.Constant)
                         and _keyword(node, "allow_pickle").value is False):
            why = "numpy.load with allow_pickle other than False"
        elif full in ("yaml.unsafe_load", "yaml.full_load", "yaml.load_all") or (
                full == "yaml.load" and (_keyword(node, "Loader") is None
                                         or _dotted(_keyword(node, "Loader")).split(".")[-1] in UNSAFE_YAML_LOADERS)):
            why = f"{full} without a safe loader can build Python objects"
        if why:
            out.append(f"{filename}:{node.lineno}: {why}")
    return out


UNSAFE = {
    "import pickle\npickle.load(open('f', 'rb'))": "pickle.load unpickles",
    "import pickle as p\np.loads(b'')": "pickle.loads unpickles",
    "from pickle import load\nload(fh)": "pickle.load unpickles",
    "import joblib\njoblib.load('m.joblib')": "joblib.load unpickles",
    "from gensim.models import KeyedVectors\nKeyedVectors.load('v.kv')": "gensim.models.KeyedVectors.load",
    "import gensim\ngensim.models.Word2Vec.load('w')": "gensim.models.Word2Vec.load",
    "import torch\ntorch.load('m.pt')": "torch.load without weights_only",
    "import torch\ntorch.load('m.pt', weights_only=False)": "torch.load without weights_only",
    "import numpy as np\nnp.load('a.npy', allow_pickle=True)": "numpy.load with allow_pickle",
    "import numpy as np\nnp.load('a.npy', allow_pickle=flag)": "numpy.load with allow_pickle",
    "import pandas as pd\npd.read_pickle('t.pkl')": "pandas.read_pickle unpickles",
    "eval('1 + 1')": "eval() runs text",
    "exec(code)": "exec() runs text",
    "import yaml\nyaml.load(text, Loader=yaml.Loader)": "yaml.load without a safe loader",
    "import yaml\nyaml.unsafe_load(text)": "yaml.unsafe_load",
}
SAFE = [
    "import torch\ntorch.load('m.pt', map_location='cpu', weights_only=True)",
    "import numpy as np\nnp.load('a.npy', allow_pickle=False)\nnp.load('a.npy')",
    "model.eval()\nsegmenter.load()\njson.load(fh)",
    "import yaml\nyaml.safe_load(text)\nyaml.load(text, Loader=UniqueKeyLoader)",
    "# pickle.load(fh) in a comment\nx = 'torch.load(path)'",
]


@pytest.mark.parametrize("source", list(UNSAFE))
def test_scanner_flags_unsafe_loads(source):
    found = findings(source)
    assert len(found) == 1 and UNSAFE[source] in found[0], found


@pytest.mark.parametrize("source", SAFE)
def test_scanner_passes_safe_loads(source):
    assert findings(source) == []


def test_project_source_unpickles_nothing():
    files = sorted(p for folder in SCANNED for p in (REPO / folder).rglob("*.py"))
    assert len(files) > 20  # the scan sees the project
    found = [f for p in files for f in findings(p.read_text(encoding="utf-8"), str(p.relative_to(REPO)))]
    assert found == []
