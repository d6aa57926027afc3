"""What the text of a post says, per facet: from annotations.parquet (the rank stage, for a whole
corpus) or mined on the spot for one post (`TextMiner`, resources loaded once).

Both give `Mined`: facet -> [(label key, share in 0..1)], best first, as the rank stage lists them
(at most rank.top_k per facet, shares summing to 1 per facet)."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Sequence

import numpy as np

from fashion.predict.fuse import Mined
from fashion.text.embed import load_vectors
from fashion.text.normalize import TextNormalizer
from fashion.text.posts import PostText
from fashion.text.rank import Embedding, RankConfig, Ranker, top_k
from fashion.text.terms import TermSpace

class TextMiner:
    """Mines one post at a time against the ontology with the embed stage's vectors. Loading the
    vectors, lexicon, segmenter and term vectors happens once, here; `mine` costs only the post."""

    def __init__(self, vectors_path: str | os.PathLike, ontology, config: RankConfig = RankConfig()):
        vectors_path = Path(vectors_path)
        if not vectors_path.is_file():
            raise FileNotFoundError(f"{vectors_path}: word vectors not found (the embed stage writes them)")
        kv = load_vectors(vectors_path)
        counts = None
        if "count" in getattr(kv, "expandos", {}):
            counts = dict(zip(kv.index_to_key, np.asarray(kv.expandos["count"]).tolist()))
        self.config = config
        self.normalizer = TextNormalizer.from_ontology(ontology, corpus_counts=counts)
        self.terms = TermSpace.build(ontology, self.normalizer.lexicon)
        self.ranker = Ranker(self.terms, config, Embedding(kv, config.remove_components))

    def mine(self, caption: str = "", comments: Sequence[str] = (), hashtags: Sequence[str] = (),
             usertags: Sequence[str] = ()) -> Mined:
        """The rank stage's rows for one post (the same fields and weights); words the vectors
        never saw still match by spelling (edit distance), never an error."""
        rows = self.normalizer.post_rows(caption, list(comments), hashtags)  # with the brand cues
        if usertags:
            names = [str(u).lstrip("@").lower() for u in usertags]
            lang = self.normalizer.normalize(caption).lang if caption else "en"
            rows.append(("usertags", [], self.normalizer.normalize_hashtags(names, lang), names,
                         self.normalizer.name_cues(names)))
        if not rows:
            return {}
        tops = top_k(self.ranker.score([PostText("post", rows)]), self.terms, self.config.top_k,
                     min_relative=self.config.min_relative_score)[0]
        return {facet: [(term, round(share / 100.0, 6)) for term, _, share in picked] for facet, picked in tops.items()}
