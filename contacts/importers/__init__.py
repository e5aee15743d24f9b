"""Contact import: CSV (UTF-8 / CP932), TSV and .xlsx, streamed, normalized in chunks and
loaded set-based (COPY into a staging table, then one INSERT and one UPDATE).

    readers.py   bytes -> rows of text cells (encoding and delimiter detection, zip bombs)
    mapping.py   header -> field matching (Japanese and English headers, custom fields)
    rows.py      one row of cells -> normalized values + warnings, or a rejection
    loader.py    the set-based SQL (staging, duplicates, insert/update, undo records)
    services.py  import_job_create / import_job_start / import_run / import_undo
"""
