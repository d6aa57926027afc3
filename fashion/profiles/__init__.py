"""Account style profiles: what each account's posts show (predicted labels, and the truth where
annotated), as shares with counts, intervals and a monthly trend; and the per-account temporal
split the recommender is evaluated on (fashion.recommend)."""
