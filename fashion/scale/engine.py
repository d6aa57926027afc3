"""Engines: run one plain partition function over a list of partition tasks.

``local`` (the default) calls it in this process, one partition after the other (a stage may keep
its own process pool inside the function, as normalize does). ``dask`` submits one task per
partition to a ``distributed`` cluster: the scheduler at ``dask.scheduler``, or a LocalCluster of
``dask.workers`` worker processes (one thread each: the text code is pure Python and holds the GIL).
Each task writes its own part file atomically, so Dask's retry of a task whose worker died (up to
``retries`` times) rewrites that part: no row is lost or doubled.

Heavy state (lexicon, normaliser, word vectors) is built once per worker process through
``worker_cache``, keyed by what it is built from, never shipped with each task.
"""
from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import Any, Callable, Iterator, Sequence

from tqdm import tqdm

from fashion.choices import ENGINES

_CACHE: dict[Any, Any] = {}
_CACHE_SIZE = 4  # distinct builds kept per process (a worker serving two stages keeps both)


@dataclass(frozen=True)
class EngineConfig:
    """params.yaml ``engine`` and section ``dask``."""

    engine: str = "local"
    scheduler: str = ""      # address of a running scheduler ("tcp://host:8786"); empty: a LocalCluster
    workers: int = 2         # LocalCluster worker processes
    retries: int = 3         # reruns of a partition whose worker died

    def __post_init__(self):
        if self.engine not in ENGINES:
            raise ValueError(f"engine: {self.engine!r} is not one of {', '.join(ENGINES)}")
        if int(self.workers) < 1:
            raise ValueError(f"dask.workers: must be >= 1, got {self.workers!r}")
        if int(self.retries) < 0:
            raise ValueError(f"dask.retries: must be >= 0, got {self.retries!r}")


def engine_config(params: dict | None) -> EngineConfig:
    if params is None:
        return EngineConfig()
    dask = dict(params.get("dask") or {})
    try:
        return EngineConfig(engine=str(params.get("engine", "local")), scheduler=str(dask.get("scheduler") or ""),
                            workers=int(dask.get("workers", 2)), retries=int(dask.get("retries", 3)))
    except ValueError as exc:
        raise SystemExit(f"params.yaml: {exc}") from None


def worker_cache(key: Any, build: Callable[[], Any]) -> Any:
    """``build()`` once per process for ``key`` (the paths, config and digests it is built from)."""
    hit = _CACHE.get(key)
    if hit is None:
        if len(_CACHE) >= _CACHE_SIZE:
            _CACHE.pop(next(iter(_CACHE)))
        hit = _CACHE[key] = build()
    return hit


@contextlib.contextmanager
def dask_client(config: EngineConfig) -> Iterator[Any]:
    """A distributed Client: connected to ``config.scheduler``, or to a fresh LocalCluster."""
    from distributed import Client, LocalCluster

    if config.scheduler:
        with Client(config.scheduler) as client:
            yield client
        return
    with LocalCluster(n_workers=int(config.workers), threads_per_worker=1, processes=True,
                      dashboard_address=None) as cluster, Client(cluster) as client:
        yield client


class Engine:
    """Runs partition tasks; ``with Engine(config) as engine`` keeps one cluster for several maps."""

    def __init__(self, config: EngineConfig = EngineConfig(), client: Any = None):
        self.config = config
        self.client = client
        self._stack = contextlib.ExitStack()
        self._owned = False
        self._depth = 0  # a stage's `with engine` inside the caller's keeps the caller's cluster

    def __enter__(self) -> "Engine":
        if self._depth == 0 and self.config.engine == "dask" and self.client is None:
            self.client = self._stack.enter_context(dask_client(self.config))
            self._owned = True
        self._depth += 1
        return self

    def __exit__(self, *exc) -> bool:
        self._depth -= 1
        if self._depth == 0 and self._owned:
            self._stack.close()
            self.client, self._owned = None, False
        return False

    @property
    def distributed(self) -> bool:
        return self.config.engine == "dask"

    def share(self, value: Any) -> Any:
        """A value every task receives (the corpus word counts): sent to each worker once."""
        if not self.distributed:
            return value
        return self.client.scatter(value, broadcast=True, hash=False)

    def map(self, fn: Callable, tasks: Sequence[Any], *args: Any, desc: str = "", progress: bool = True) -> list:
        """[fn(task, *args) for task in tasks], results in task order whatever order they finish."""
        bar = tqdm(total=len(tasks), desc=desc or getattr(fn, "__name__", "tasks"), unit="part",
                   disable=not progress, mininterval=1.0)
        try:
            if not self.distributed:
                out = []
                for task in tasks:
                    out.append(fn(task, *args))
                    bar.update(1)
                return out
            from distributed import as_completed

            futures = self.client.map(fn, list(tasks), *[[a] * len(tasks) for a in args],
                                      retries=int(self.config.retries), pure=False)
            for _ in as_completed(futures):
                bar.update(1)
            return self.client.gather(futures)
        finally:
            bar.close()
