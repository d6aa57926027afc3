"""`fashion normalize | embed | rank | annotate`: the text-mining steps without DVC.

Defaults come from ``--params`` (params.yaml: sections normalize, embed, rank), so a command without
flags does what its stage does; flags override single values. Nothing heavy is imported until a
command runs (building the parser must stay cheap: every `fashion` command builds it).

``fashion annotate`` reads one post from flags/files, or JSON lines (``--jsonl F``, ``-`` or
``--jsonl -`` for standard input): one post per line, ``{"post_id", "caption", "comments": [...],
"hashtags": [...]}`` (every key optional, others ignored). It writes one JSON line per post, in
input order: ``{"post_id", "language", "notes", "categories", ...}``. A line that is not such an
object gets ``{"post_id", "line", "error"}`` in its place and a line on stderr; the batch goes on,
and the exit status is then 1. Blank lines are skipped.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

from fashion.choices import EMBED_MODELS, RANK_FORMULAS
from fashion.params import add_params_flag

DEFAULT_VECTORS = "models/embeddings/vectors.npz"


def register(sub) -> None:
    p = sub.add_parser("normalize", help="posts + comments Parquet -> tokens.parquet")
    p.add_argument("--posts", default="data/interim/ingest/posts.parquet")
    p.add_argument("--comments", default="data/interim/ingest/comments.parquet")
    p.add_argument("--out", default="data/interim/tokens.parquet")
    p.add_argument("--ontology", default="ontology")
    p.add_argument("--workers", type=int, help="default: params normalize.workers")
    add_params_flag(p)
    p.set_defaults(func=_normalize)

    p = sub.add_parser("embed", help="tokens.parquet -> word vectors (vectors.npz) + metrics JSON")
    p.add_argument("--tokens", default="data/interim/tokens.parquet")
    p.add_argument("--out", default=DEFAULT_VECTORS)
    p.add_argument("--metrics", default=None, help="write the metrics JSON here too")
    p.add_argument("--model", choices=EMBED_MODELS)
    for flag in ("--vector-size", "--window", "--epochs", "--min-count", "--workers", "--seed"):
        p.add_argument(flag, type=int)
    p.add_argument("--sg", type=int, choices=(0, 1))
    p.add_argument("--wordsim", default=None,
                   help="word-similarity pairs to score the vectors on (default: params embed.similarity_tsv; '' to skip)")
    add_params_flag(p, "defaults from this params file (sections embed and seed; default params.yaml)")
    p.set_defaults(func=_embed)

    p = sub.add_parser("rank", help="tokens + vectors -> annotations.parquet (+ evaluation with --truth)")
    p.add_argument("--tokens", default="data/interim/tokens.parquet")
    p.add_argument("--vectors", default=DEFAULT_VECTORS)
    p.add_argument("--out", default="data/processed/annotations.parquet")
    p.add_argument("--truth", default=None, help="truth.parquet to evaluate against")
    p.add_argument("--metrics", default=None, help="write the metrics JSON here too")
    p.add_argument("--ontology", default="ontology")
    p.add_argument("--formula", choices=RANK_FORMULAS)
    p.add_argument("--top-k", type=int)
    add_params_flag(p)
    p.set_defaults(func=_rank)

    p = sub.add_parser("annotate", help="rank ontology terms for ad-hoc posts (flags, files or JSON lines)")
    p.add_argument("stdin", nargs="?", choices=["-"], help="'-': read JSON lines from standard input")
    p.add_argument("--jsonl", metavar="F", help="JSON lines, one post per line ('-': standard input)")
    caption = p.add_mutually_exclusive_group()
    caption.add_argument("--caption", default="", help="caption text")
    caption.add_argument("--caption-file", metavar="F", help="caption text from a UTF-8 file")
    p.add_argument("--comment", action="append", default=[], help="a comment (repeatable)")
    p.add_argument("--comments-file", metavar="F", help="comments from a UTF-8 file, one per line")
    p.add_argument("--hashtag", action="append", default=[], help="a post hashtag, with or without # (repeatable)")
    p.add_argument("--vectors", default=DEFAULT_VECTORS, help="vectors.npz from the embed stage")
    p.add_argument("--ontology", default="ontology")
    p.add_argument("--formula", choices=RANK_FORMULAS)
    p.add_argument("--top-k", type=int)
    p.add_argument("--json", action="store_true", help="print JSON (always, with JSON-lines input)")
    add_params_flag(p, "defaults from this params file (sections rank and normalize; default params.yaml)")
    p.set_defaults(func=_annotate)


class _Failure(Exception):
    """A command's one-line error (the file and the reason)."""


def _fail(step: str, exc: BaseException) -> int:
    print(f"fashion {step}: {_message(exc)}", file=sys.stderr)
    return 1


def _message(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.filename:
        return f"{exc.filename}: {exc.strerror or exc}"
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def _params(args):
    """The parsed ``--params`` file, or None when the default file is absent (library defaults)."""
    from fashion.params import load_optional

    return load_optional(args.params)


def _run(step: str, work) -> int:
    """``work()`` -> exit status; library errors (ValueError: bad input or parameter, OSError, a
    params SystemExit) become one stderr line and status 1, never a traceback."""
    from fashion.ontology import OntologyError

    try:
        return work()
    except (OntologyError, ValueError, OSError, _Failure) as exc:
        return _fail(step, exc)
    except SystemExit as exc:
        if isinstance(exc.code, str):  # params errors: one line naming the file and key
            return _fail(step, exc)
        raise


def _normalize(args) -> int:
    def work() -> int:
        from fashion.ontology import load_ontology
        from fashion.text.config import normalize_config, with_flags
        from fashion.text.corpus import normalize_corpus

        config = with_flags(normalize_config(_params(args), args.params), workers=args.workers)
        from fashion.scale.engine import Engine, engine_config

        stats = normalize_corpus(args.posts, args.comments, args.out, load_ontology(args.ontology), config,
                                 engine=Engine(engine_config(_params(args))))
        print(json.dumps(stats))
        return 0
    return _run("normalize", work)


def _embed(args) -> int:
    def work() -> int:
        from fashion.io import write_json
        from fashion.text.config import embed_config, with_flags
        from fashion.text.embed import train_embeddings

        config, wordsim = embed_config(_params(args), args.params)
        config = with_flags(config, model=args.model, vector_size=args.vector_size, window=args.window,
                            epochs=args.epochs, min_count=args.min_count, sg=args.sg, workers=args.workers,
                            seed=args.seed)
        wordsim = wordsim if args.wordsim is None else args.wordsim
        metrics = train_embeddings(args.tokens, args.out, config, wordsim_path=wordsim or None)
        if args.metrics:
            write_json(args.metrics, metrics)
        print(json.dumps(metrics))
        return 0
    return _run("embed", work)


def _rank(args) -> int:
    def work() -> int:
        from fashion.io import write_json
        from fashion.ontology import load_ontology
        from fashion.text.config import rank_config, with_flags
        from fashion.text.pipeline import rank_corpus

        config = with_flags(rank_config(_params(args), args.params), formula=args.formula, top_k=args.top_k)
        from fashion.scale.engine import Engine, engine_config

        if Path(args.out).is_dir() and not Path(args.tokens).is_dir():  # a tokens folder writes a folder
            raise _Failure(f"{args.out}: is a folder; give the annotations file to write")
        metrics = rank_corpus(args.tokens, args.vectors, load_ontology(args.ontology), args.out, config,
                              truth_path=args.truth, engine=Engine(engine_config(_params(args))))
        if args.metrics:
            write_json(args.metrics, metrics)
        print(json.dumps(metrics))
        return 0
    return _run("rank", work)


# -- annotate ---------------------------------------------------------------------------------------
def _annotate(args) -> int:
    jsonl = args.jsonl or args.stdin
    single = bool(args.caption or args.caption_file or args.comment or args.comments_file or args.hashtag)
    if jsonl and single:
        print("fashion annotate: JSON lines (--jsonl, -) and single-post flags (--caption, --comment, ...) "
              "do not mix", file=sys.stderr)
        return 2
    if not (jsonl or single):
        print("fashion annotate: give --caption, --caption-file, --comment, --comments-file or --hashtag, "
              "or JSON lines with --jsonl F or - (standard input)", file=sys.stderr)
        return 2
    return _run("annotate", lambda: _annotate_jsonl(args, jsonl) if jsonl else _annotate_one(args))


def _annotator(args):
    from fashion.ontology import load_ontology
    from fashion.text.config import normalize_config, rank_config, with_flags
    from fashion.text.pipeline import Annotator

    params = _params(args)
    config = with_flags(rank_config(params, args.params), formula=args.formula, top_k=args.top_k)
    return Annotator(args.vectors, load_ontology(args.ontology), config, normalize_config(params, args.params))


def _read_text(path: str, what: str) -> str:
    """A UTF-8 text file's contents; any problem is one _Failure naming the file."""
    p = Path(path)
    if p.is_dir():
        raise _Failure(f"{path}: is a folder, not a {what} file")
    try:
        return p.read_bytes().decode("utf-8-sig")
    except FileNotFoundError:
        raise _Failure(f"{path}: {what} file not found") from None
    except UnicodeDecodeError as exc:
        raise _Failure(f"{path}: not UTF-8 text (byte offset {exc.start}: {exc.reason})") from None


def _annotate_one(args) -> int:
    caption = _read_text(args.caption_file, "caption").strip() if args.caption_file else args.caption
    comments = list(args.comment)
    if args.comments_file:
        comments += [line for line in _read_text(args.comments_file, "comments").splitlines() if line.strip()]
    result = _annotator(args).annotate(caption, comments, args.hashtag)
    if args.json:
        print(json.dumps(result, ensure_ascii=False))
        return 0
    print(f"{'language':14s} {result['language']}")
    for note in result["notes"]:
        print(f"{'note':14s} {note}")
    for facet, picked in result.items():
        if facet not in ("language", "notes"):
            shown = ", ".join(f"{p['term']} {p['share']:.0f}%" for p in picked) or "-"
            print(f"{facet:14s} {shown}")
    return 0


def parse_post(line: bytes, lineno: int) -> dict:
    """One JSON line -> {"post_id", "caption", "comments", "hashtags"}; ValueError naming the line."""
    try:
        text = line.decode("utf-8-sig" if lineno == 1 else "utf-8")
    except UnicodeDecodeError as exc:
        raise ValueError(f"line {lineno}: not UTF-8 (byte {exc.start}: {exc.reason})") from None
    try:
        post = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"line {lineno}: not valid JSON ({exc.msg} at column {exc.colno})") from None
    if not isinstance(post, dict):
        raise ValueError(f"line {lineno}: expected a JSON object (one post), got {type(post).__name__}")
    caption = post.get("caption")
    if caption is not None and not isinstance(caption, str):
        raise ValueError(f"line {lineno}: caption must be a string")
    for key in ("comments", "hashtags"):
        value = post.get(key)
        if value is not None and not (isinstance(value, list) and all(isinstance(v, str) for v in value)):
            raise ValueError(f"line {lineno}: {key} must be a list of strings")
    return {"post_id": post.get("post_id"), "caption": caption or "", "comments": post.get("comments") or [],
            "hashtags": post.get("hashtags") or []}


def _annotate_jsonl(args, source: str) -> int:
    name = "<stdin>" if source == "-" else source
    if source == "-":
        stream = sys.stdin.buffer
    else:
        if Path(source).is_dir():
            raise _Failure(f"{source}: is a folder, not a JSON-lines file")
        try:
            stream = open(source, "rb")
        except FileNotFoundError:
            raise _Failure(f"{source}: JSON-lines file not found") from None
    bad = 0
    try:
        annotator = _annotator(args)  # after opening the input: a wrong path fails before the slow part
        out = sys.stdout
        for lineno, line in enumerate(stream, start=1):
            if not line.strip():
                continue
            try:
                post = parse_post(line, lineno)
            except ValueError as exc:
                bad += 1
                print(f"fashion annotate: {name}: {exc}", file=sys.stderr)
                out.write(json.dumps({"post_id": _post_id(line), "line": lineno, "error": str(exc)},
                                     ensure_ascii=False) + "\n")
            else:
                result = annotator.annotate(post["caption"], post["comments"], post["hashtags"])
                out.write(json.dumps({"post_id": post["post_id"], **result}, ensure_ascii=False) + "\n")
            out.flush()  # a pipe reader sees each post as it is done
    finally:
        if stream is not sys.stdin.buffer:
            stream.close()
    return 1 if bad else 0


def _post_id(line: bytes):
    """The post_id of a line that failed a later check, when the line is still a JSON object."""
    try:
        post = json.loads(line.decode("utf-8-sig"))
    except ValueError:
        return None
    return post.get("post_id") if isinstance(post, dict) else None
