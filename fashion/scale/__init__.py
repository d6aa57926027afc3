"""Scale-out: tables partitioned by account (dataset folders) and the engines that run one plain
partition function over them (local loop or Dask). docs/scale.md."""
