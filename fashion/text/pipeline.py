"""Rank a whole corpus (stage ``rank``) or ad-hoc posts (``fashion annotate``, ``Annotator``)."""
from __future__ import annotations

import shutil
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from tqdm import tqdm

from fashion.io import atomic_path
from fashion.scale.dataset import DatasetWriter, part_files
from fashion.scale.engine import Engine, worker_cache
from fashion.text.evaluate import TruthError, evaluate, load_truth
from fashion.text.langid import UNDETERMINED
from fashion.text.lexicon import LANGUAGES, Lexicon
from fashion.text.posts import PostText, check_tokens, iter_post_tables, open_parquet
from fashion.text.rank import BASELINE, Embedding, Occurrences, RankConfig, Ranker, top_k, top_k_arrays
from fashion.text.terms import TermSpace
from fashion.text.vectors import load_vectors

ANNOTATIONS_SCHEMA = pa.schema([
    ("post_id", pa.string()),
    ("facet", pa.string()),
    ("rank", pa.int32()),
    ("term", pa.string()),
    ("score", pa.float64()),
    ("share", pa.float64()),
])

# `fashion annotate --json` keys -> facets
ANNOTATE_FACETS = (("categories", "categories"), ("subcategories", "subcategories"), ("materials", "material"),
                   ("patterns", "pattern"), ("styles", "styles"), ("brands", "brands"))


def _annotation_table(post_ids: list[str], tops: dict, terms: TermSpace) -> pa.Table:
    parts = []
    ids = pa.array(post_ids, pa.string())
    keys = pa.array(terms.label_keys, pa.string())
    for facet, (post, rank, label, score, share) in tops.items():
        if len(post) == 0:
            continue
        parts.append(pa.table({"post_id": ids.take(pa.array(post)), "facet": pa.array([facet] * len(post), pa.string()),
                               "rank": pa.array(rank.astype(np.int32)), "term": keys.take(pa.array(label)),
                               "score": pa.array(score.astype(np.float64)), "share": pa.array(share.astype(np.float64))},
                              schema=ANNOTATIONS_SCHEMA))
    if not parts:
        return ANNOTATIONS_SCHEMA.empty_table()
    # post order within the batch, facets in ontology order, rank 1..k
    table = pa.concat_tables(parts)
    order = np.lexsort((table.column("rank").to_numpy(),
                        np.repeat(np.arange(len(parts)), [p.num_rows for p in parts]),
                        np.concatenate([tops[f][0] for f in tops if len(tops[f][0])])))
    return table.take(pa.array(order))


def _post_texts(table: pa.Table, wanted: set[str]) -> list[PostText]:
    mask = pc.is_in(table.column("post_id"), value_set=pa.array(sorted(wanted), pa.string()))
    posts: dict[str, PostText] = {}
    for row in table.filter(mask).to_pylist():
        post = posts.setdefault(row["post_id"], PostText(row["post_id"], []))
        post.rows.append((row["field"], row["tokens"] or [], row["segmented"] or [], row["handles"] or []))
    return list(posts.values())


def _batches(posts, size: int):
    batch: list[PostText] = []
    for post in posts:
        batch.append(post)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def predict(ranker: Ranker, posts: Sequence[PostText], k: int, batch_posts: int) -> dict[str, dict[str, list[str]]]:
    """post_id -> facet -> top-k label keys."""
    out: dict[str, dict[str, list[str]]] = {}
    for batch in _batches(posts, batch_posts):
        tops = top_k(ranker.score(batch), ranker.terms, k, min_relative=ranker.config.min_relative_score)
        for post, facets in zip(batch, tops):
            out[post.post_id] = {f: [term for term, _, _ in picked] for f, picked in facets.items()}
    return out


def rank_corpus(tokens_path: str | Path, vectors_path: str | Path, ontology, out_path: str | Path,
                config: RankConfig = RankConfig(), truth_path: str | Path | None = None,
                progress: bool = True, engine: Engine | None = None) -> dict:
    """Write annotations.parquet; return metrics/text_mining.json (evaluation when truth exists).

    A tokens dataset folder gives an annotations folder, part i from tokens part i (``rank_task``
    on the engine); the evaluation against truth reads the finished parts back here."""
    started = time.perf_counter()
    tokens_path, out_path = Path(tokens_path), Path(out_path)
    check_tokens(tokens_path)  # a missing or damaged input (any part) fails before the slow set-up
    parts = part_files(tokens_path)
    lexicon = Lexicon.from_ontology(ontology)
    terms = TermSpace.build(ontology, lexicon)
    truth = None
    if truth_path is not None and Path(truth_path).exists():
        open_parquet(truth_path, ["post_id"], TruthError)  # damaged, empty or a folder: one line naming it
        try:
            truth = load_truth(truth_path, terms.facets)
        except (pa.ArrowException, OSError) as exc:
            raise TruthError(f"{truth_path}: damaged ({str(exc).splitlines()[0] if str(exc) else exc!r})") from None
    spec = RankerSpec(uuid.uuid4().hex, str(vectors_path), ontology, config, terms)
    writer = DatasetWriter(out_path) if tokens_path.is_dir() else None
    tasks = [RankTask(str(part), str(writer.part(i)) if writer else str(out_path), progress=progress and writer is None)
             for i, part in enumerate(parts)]
    if writer is None and out_path.is_dir():  # a dataset folder of an earlier partitioned run
        shutil.rmtree(out_path)
    with engine or Engine() as run:
        # a bad vectors file fails here, once, not in every task (the local engine keeps what it built)
        load_vectors(vectors_path) if run.distributed else spec.build()
        try:
            done = run.map(rank_task, tasks, run.share(spec), desc="rank", progress=progress and writer is not None)
            if writer is not None:
                writer.publish(len(tasks))
        finally:
            if writer is not None:
                writer.discard()
    posts, rows = sum(d["posts"] for d in done), sum(d["rows"] for d in done)
    metrics = {"formula": config.formula, "k": config.top_k, "posts": posts, "rows": rows,
               "rank_seconds": round(time.perf_counter() - started, 3),
               "posts_per_second": round(posts / max(time.perf_counter() - started, 1e-9), 1)}
    if truth is not None:
        facets = terms.facets
        wanted = pa.array(sorted(truth.keys()), pa.string())
        predictions: dict[str, dict[str, list[str]]] = {}
        kept: list[PostText] = []  # truth posts, for the baseline
        for tokens_part, task in zip(parts, tasks):
            table = pq.read_table(out_path / Path(task.out).name if writer else out_path)
            for r in table.filter(pc.is_in(table.column("post_id"), value_set=wanted)).to_pylist():
                predictions.setdefault(r["post_id"], {}).setdefault(r["facet"], []).append(r["term"])
            for batch in iter_post_tables(tokens_part, config.batch_posts, batch_rows=20_000):
                present = truth.keys() & set(batch.column("post_id").unique().to_pylist())
                if present:
                    kept.extend(_post_texts(batch, present))
        metrics["evaluated_posts"] = len(truth)
        metrics["facets"] = evaluate(predictions, truth, config.top_k, facets)
        baseline = Ranker(TermSpace.build(ontology, lexicon), config, None, formula=BASELINE)
        metrics["baseline"] = evaluate(predict(baseline, kept, config.top_k, config.batch_posts), truth,
                                       config.top_k, facets)
        metrics["baseline_method"] = BASELINE
    return metrics


@dataclass(frozen=True)
class RankTask:
    tokens: str              # one tokens file (a part of the folder)
    out: str                 # the annotations file it writes
    progress: bool = False


@dataclass(frozen=True)
class RankerSpec:
    """What a worker builds its Ranker from, once per process (the vectors are read from ``vectors``)."""

    token: str
    vectors: str
    ontology: object
    config: RankConfig
    terms: TermSpace | None = None   # built by the caller already (shipped once per worker with the spec)

    def build(self) -> tuple[TermSpace, Ranker]:
        def make():
            terms = self.terms if self.terms is not None else TermSpace.build(self.ontology, Lexicon.from_ontology(self.ontology))
            embedding = Embedding(load_vectors(self.vectors), self.config.remove_components)
            return terms, Ranker(terms, self.config, embedding)
        return worker_cache(("ranker", self.token), make)


def rank_task(task: RankTask, spec: RankerSpec) -> dict:
    """The per-partition work of both engines: one tokens file -> its annotations file."""
    terms, ranker = spec.build()
    config = spec.config
    # Token-term cosines are cached per ranker, and BLAS rounds a row differently in another block of
    # new tokens: a fresh cache per part makes a part's scores independent of the parts before it.
    ranker.table.clear()
    posts = rows = 0
    with atomic_path(task.out, suffix=".parquet") as tmp:
        writer = pq.ParquetWriter(tmp, ANNOTATIONS_SCHEMA, compression="zstd")
        bar = tqdm(desc="rank", unit="post", disable=not task.progress, mininterval=1.0)
        try:
            for table in iter_post_tables(task.tokens, config.batch_posts, batch_rows=20_000):
                occ, post_ids = Occurrences.from_table(table, config, terms)
                tops = top_k_arrays(ranker.score_occurrences(occ), terms, config.top_k,
                                    min_relative=config.min_relative_score)
                out = _annotation_table(post_ids, tops, terms)
                if out.num_rows:
                    writer.write_table(out)
                rows += out.num_rows
                posts += len(post_ids)
                bar.update(len(post_ids))
        finally:
            bar.close()
            writer.close()
    return {"posts": posts, "rows": rows}


class _LazySegmenter:
    """Builds the hashtag segmenter (~1 s: wordsegment's tables, taught the ontology and corpus) on
    the first hashtag, so a post without one does not wait for it."""

    def __init__(self, build):
        self._build = build
        self._segmenter = None

    def split(self, hashtag: str) -> tuple[str, ...]:
        if self._segmenter is None:
            self._segmenter = self._build()
        return self._segmenter.split(hashtag)


class Annotator:
    """Ranks ad-hoc posts (``fashion annotate``): vectors, normaliser, terms and ranker are built once,
    so a batch of posts pays the start-up once. ``normalize`` is the normalize stage's config (its
    hashtag-segmenter and tokenizer settings)."""

    def __init__(self, vectors_path: str | Path, ontology, config: RankConfig = RankConfig(), normalize=None):
        from fashion.text.langid import build_detector
        from fashion.text.lexicon import ontology_phrases
        from fashion.text.mentions import BrandMentions
        from fashion.text.normalize import NormalizeConfig, TextNormalizer, item_words, plain_words
        from fashion.text.segment import build_segmenter

        normalize = normalize or NormalizeConfig()
        kv = load_vectors(vectors_path)
        # the corpus' word counts teach the segmenter, as the corpus itself does in the normalize stage
        counts = dict(zip(kv.index_to_key, np.asarray(kv.expandos["count"]).tolist()))
        # TextNormalizer.from_ontology, except that the segmenter is built on first use
        lexicon = Lexicon.from_ontology(ontology)
        detector = build_detector(normalize.language_detector, ontology.translations, lexicon.protected)
        segmenter = _LazySegmenter(lambda: build_segmenter(
            ontology_phrases(ontology), counts, min_len=normalize.min_hashtag_len_to_segment,
            max_len=normalize.max_hashtag_len_to_segment, min_corpus_count=normalize.min_corpus_count))
        self.normalizer = TextNormalizer(lexicon, detector, segmenter, ontology.emoji,
                                         batch_tokenize=normalize.batch_tokenize,
                                         mentions=BrandMentions(ontology, item_words(ontology), plain_words(ontology)))
        self.config = config
        self.terms = TermSpace.build(ontology, lexicon)
        self.ranker = Ranker(self.terms, config, Embedding(kv, config.remove_components))

    def annotate(self, caption: str = "", comments: Sequence[str] = (), hashtags: Sequence[str] = ()) -> dict:
        """{"language", "notes", "categories": [{"term", "score", "share"}...], "subcategories",
        "materials", "patterns", "styles", "brands"} (best first, at most ``config.top_k`` each).
        ``language``: the caption's, else the comments' most common, else "und"; ``notes`` say why
        an answer is empty or may be incomplete."""
        comments = list(comments)
        texts = ([caption] if caption else []) + comments
        rows, normalized, extra = self.normalizer.post_texts(caption, comments, hashtags)
        # Token-term cosines are one float32 matrix product per block of new tokens, and BLAS rounds
        # a row differently in another block: without the cache of earlier posts a post scores the
        # same bits alone as anywhere in a batch.
        self.ranker.table.clear()
        tops = top_k(self.ranker.score([PostText("annotate", rows)]), self.terms, self.config.top_k,
                     min_relative=self.config.min_relative_score)[0]
        facets = {key: [{"term": term, "score": round(score, 6), "share": round(share, 2)}
                        for term, score, share in tops.get(facet, [])]
                  for key, facet in ANNOTATE_FACETS}
        language = post_language([t.lang for t in normalized], bool(caption))
        notes = _notes(language, texts, bool(extra), any(facets.values()))
        return {"language": language, "notes": notes, **facets}


def post_language(langs: Sequence[str], has_caption: bool) -> str:
    """The caption's language when determined, else the most common determined one of the comments
    (first seen wins a tie), else "und"."""
    if has_caption and langs and langs[0] != UNDETERMINED:
        return langs[0]
    known = [lang for lang in langs if lang != UNDETERMINED]
    return max(dict.fromkeys(known), key=known.count) if known else UNDETERMINED


def _notes(language: str, texts: Sequence[str], has_hashtags: bool, matched: bool) -> list[str]:
    if not any(t.strip() for t in texts) and not has_hashtags:
        return ["post has no text: nothing matched"]
    if language == UNDETERMINED:
        if any(ch.isalpha() for t in texts for ch in t):  # words, but in no language the lexicon has
            return [f"text language not one of {'/'.join(LANGUAGES)}: "
                    + ("matches may be unreliable" if matched else "nothing matched")]
        return ["text has no words: matched through emojis or hashtags only" if matched
                else "text has no words (emojis, numbers or symbols only): nothing matched"]
    return [] if matched else ["no word of the post matches an ontology term"]


def annotate(caption: str, comments: Sequence[str], hashtags: Sequence[str], vectors_path: str | Path, ontology,
             config: RankConfig = RankConfig()) -> dict:
    """Rank one ad-hoc post (see ``Annotator.annotate``); for many posts build one ``Annotator``."""
    return Annotator(vectors_path, ontology, config).annotate(caption, comments, hashtags)
