"""Text mining: normalise post texts, train word embeddings, rank ontology terms per post.

Modules, in pipeline order:
  lexicon     per-language stop words, lemma tables and ontology translations
  langid      offline language detector (stop-word + character n-gram profiles)
  segment     hashtag segmentation taught the ontology's and the corpus' words
  normalize   texts -> tokens.parquet (parallel, deduplicated, streamed in row groups)
  embed       tokens.parquet -> gensim KeyedVectors + word-similarity evaluation
  levenshtein edit distances between words and terms (rapidfuzz)
  terms       ontology facets -> term forms, vectors and label blocks
  rank        per-post facet rankings (paper's linear and authors' multiplicative formula)
  evaluate    precision/recall/F1 at k against annotated truth

Imports flow from fashion.ontology / fashion.io only; never models, data or train.
"""
