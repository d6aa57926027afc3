"""Recommendations from account profiles: implicit's ALS / BPR on the account x label matrix,
its item-kNN as a baseline, popularity and repeat baselines, the temporal hold-out evaluation,
reasons and similar accounts."""
