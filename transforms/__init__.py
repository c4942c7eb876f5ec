"""Pure Polars transforms: DataFrame in, DataFrame out. No IO, DuckDB or Prefect here."""
