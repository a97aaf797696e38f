"""Background jobs (imports, exports): queued in the database, run by worker threads."""
