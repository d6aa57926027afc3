"""Text mining: normalise post texts, train word embeddings, rank ontology terms per post.

Modules, in pipeline order:
  lexicon     per-language stop words, lemma tables and ontology translations
  langid      offline language detector (stop-word + character n-gram profiles)
  segment     hashtag segmentation taught the ontology's and the corpus' words
  normalize   texts -> tokens.parquet (parallel, deduplicated, streamed in row groups)
  embed       tokens.parquet -> gensim Word2Vec/FastText + word-similarity evaluation
  vectors     the vectors on disk (vectors.npz: .npy arrays + JSON, no pickle) and their reader
  levenshtein edit distances between words and terms (rapidfuzz)
  terms       ontology facets -> term forms, vectors and label blocks
  rank        per-post facet rankings (paper's linear and authors' multiplicative formula)
  pipeline    the rank stage over a corpus, and ``Annotator`` for ad-hoc posts (``fashion annotate``)
  evaluate    precision/recall/F1 at k against annotated truth

Imports flow from fashion.ontology / fashion.io (and fashion.params, fashion.choices for the commands);
never models, data or train.
"""
