"""Contact export: CSV (UTF-8 with BOM or CP932), .xlsx and JSON Lines, in the browser as a job."""
