"""Record exports (X1, X2): CSV or XLSX files of an entity's records, at once or as a job."""
