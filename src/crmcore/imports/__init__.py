"""Excel and CSV imports: read a sheet, map its columns, and create records as a resumable job."""
