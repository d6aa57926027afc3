"""Production recommendations with their reasons, and each account's most similar accounts.

Similar accounts: cosine of the model's account factors (chunked, so 100K accounts never make
an accounts x accounts matrix). A recommendation's reason names who and what stands behind it:
how many of the account's most similar accounts wear the label (and who), and the label the
account already wears (of the same kind) that is closest to it in the model's label factors."""
from __future__ import annotations

import numpy as np
import pyarrow as pa
import scipy.sparse as sp

from fashion.profiles.config import display
from fashion.recommend.config import KINDS
from fashion.recommend.models import Factorisation, chunk_rows, top

SCHEMA = pa.schema([
    ("account", pa.string()), ("kind", pa.string()), ("rank", pa.int32()), ("label", pa.string()),
    ("score", pa.float64()), ("reason", pa.string()), ("similar_wearing", pa.list_(pa.string())),
    ("because", pa.string()),
])


def _unit(rows: np.ndarray) -> np.ndarray:
    norm = np.linalg.norm(rows, axis=1, keepdims=True)
    return rows / np.where(norm > 0, norm, 1.0)


def similar_accounts(vectors: np.ndarray, n: int, chunk: int = 512) -> tuple[np.ndarray, np.ndarray]:
    """(indices, cosines) of each account's `n` most similar other accounts, best first (ties:
    lower index). Chunked: memory is chunk x accounts, never accounts x accounts."""
    unit = _unit(vectors).astype(np.float32)
    n = min(n, max(len(unit) - 1, 0))
    idx = np.zeros((len(unit), n), dtype=np.int64)
    sim = np.zeros((len(unit), n), dtype=np.float64)
    if n == 0:
        return idx, sim
    for start in range(0, len(unit), chunk):
        block = unit[start:start + chunk] @ unit.T
        block[np.arange(len(block)), np.arange(start, start + len(block))] = -np.inf  # not oneself
        best = np.argpartition(-block, n - 1, axis=1)[:, :n] if n < block.shape[1] else \
            np.tile(np.arange(block.shape[1]), (len(block), 1))
        best = np.sort(best, axis=1)                                   # by index, then stably by cosine
        values = np.take_along_axis(block, best, axis=1)
        order = np.argsort(-values, axis=1, kind="stable")
        idx[start:start + len(block)] = np.take_along_axis(best, order, axis=1)
        sim[start:start + len(block)] = np.take_along_axis(values, order, axis=1)
    return idx, sim


def recommend_all(model: Factorisation, counts: sp.csr_matrix, keys: list[str], accounts: np.ndarray,
                  top_n: int, n_similar: int) -> tuple[pa.Table, pa.Table]:
    """(recommendations, similar-account rows): per account and kind the best `top_n` labels it
    does not wear yet, with score and reason; and its `n_similar` most similar accounts."""
    facets = np.asarray([key.partition(":")[0] for key in keys], dtype=object)
    labels = np.asarray([key.partition(":")[2] for key in keys], dtype=object)
    worn = (counts > 0).tocsr()
    similar, cosine = similar_accounts(model.account_vectors(), n_similar)
    item_unit = _unit(model.item_factors)
    columns: dict[str, list] = {name: [] for name in SCHEMA.names}
    kinds = {kind: np.flatnonzero(facets == facet) for kind, facet in KINDS.items()}
    chunk = chunk_rows(max([len(c) for c in kinds.values()] + [1]))
    for start in range(0, len(accounts), chunk):
        rows = np.arange(start, min(start + chunk, len(accounts)))
        peers = similar[rows]
        for kind, facet in KINDS.items():
            candidates = kinds[kind]
            scores = model.scores(rows, candidates)
            worn_dense = np.asarray(worn[rows][:, candidates].todense()) > 0
            lists = top(scores, candidates, top_n, worn_dense)
            position = np.full(len(keys), -1, dtype=np.int64)
            position[candidates] = np.arange(len(candidates))
            local = position[np.maximum(lists, 0)]
            # wearing[r, i, j]: does peer j of account r wear its i-th recommendation
            wearing = np.stack([np.asarray(worn[peers[:, j][:, None], np.maximum(lists, 0)].todense()) > 0
                                for j in range(peers.shape[1])], axis=2) if peers.shape[1] else \
                np.zeros(lists.shape + (0,), dtype=bool)
            # "it goes with your ...": the worn label of the same kind closest in the label factors
            unit = item_unit[candidates]
            because = np.full(lists.shape, -1, dtype=np.int64)
            for i in range(lists.shape[1]):
                closeness = unit[local[:, i]] @ unit.T
                closeness[~worn_dense] = -np.inf
                because[:, i] = np.where(np.isfinite(closeness.max(axis=1)), candidates[np.argmax(closeness, axis=1)], -1)
            for r, account in enumerate(rows):
                for i, code in enumerate(lists[r]):
                    if code < 0:
                        break
                    names = [str(accounts[p]) for p in peers[r][wearing[r, i]]]
                    behind = keys[because[r, i]] if because[r, i] >= 0 else None
                    columns["account"].append(str(accounts[account]))
                    columns["kind"].append(kind)
                    columns["rank"].append(i + 1)
                    columns["label"].append(str(labels[code]))
                    columns["score"].append(round(float(scores[r, local[r, i]]), 6))
                    columns["reason"].append(reason(facet, str(labels[code]), names, peers.shape[1], behind))
                    columns["similar_wearing"].append(names)
                    columns["because"].append(behind)
    recs = pa.table(columns, schema=SCHEMA)
    similar_table = pa.table({
        "account": np.repeat(accounts.astype(str), similar.shape[1]).tolist(),
        "rank": np.tile(np.arange(1, similar.shape[1] + 1, dtype=np.int32), len(accounts)),
        "similar": accounts[similar.ravel()].astype(str).tolist() if similar.size else [],
        "cosine": np.round(cosine.ravel(), 6),
    }, schema=pa.schema([("account", pa.string()), ("rank", pa.int32()), ("similar", pa.string()),
                         ("cosine", pa.float64())]))
    return recs, similar_table


def reason(facet: str, label: str, wearing: list[str], n_peers: int, because: str | None) -> str:
    """"Accounts with your profile wear leather boots: 2 of your 5 most similar accounts (a, b);
    it goes with your plain coat." """
    text = f"Accounts with your profile wear {display(facet, label)}"
    if wearing:
        names = ", ".join(wearing[:3]) + (", …" if len(wearing) > 3 else "")
        text += f": {len(wearing)} of your {n_peers} most similar accounts ({names})"
    if because:
        b_facet, _, b_label = because.partition(":")
        text += f"; it goes with your {display(b_facet, b_label)}"
    return text + "."
