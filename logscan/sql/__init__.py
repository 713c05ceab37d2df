"""The pattern library compiled to SQL: classification where the logs live (BigQuery) or in DuckDB."""
