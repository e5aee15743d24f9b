"""Normalizing chunks of rows on two cores while the staging COPY runs.

Normalization is pure Python (one core). The import's process reads the file, COPYs and
normalizes every other chunk itself; one forked helper process normalizes the chunks in
between. Results are handed back in file order, so the error report and the staged row
numbers are exactly what a single process writes. At most two chunks are in flight, so
memory stays bounded by a few chunks whatever the file size.

The helper is forked (no re-import, the normalizer and its caches are inherited) and
touches nothing but the rows it is sent: no database, no files. When a process cannot be
started (e.g. inside a daemonic process) everything runs in the import's own process.
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import multiprocessing
import os
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from typing import Any

from django.utils import translation

from .rows import Issue, RowNormalizer

logger = logging.getLogger(__name__)

Row = tuple[int, list[str]]


@dataclass
class ChunkResult:
    rows: int
    staged: list[tuple[int, list[str]]]  # (row number, values in STAGE order)
    issues: list[Issue]
    rejected: int
    pid: int  # the process that normalized it


def normalize_chunk(normalizer: RowNormalizer, chunk: list[Row]) -> ChunkResult:
    staged: list[tuple[int, list[str]]] = []
    issues: list[Issue] = []
    rejected = 0
    for number, cells in chunk:
        result = normalizer.normalize(cells, number)
        issues.extend(result.issues)
        if result.values is None:
            rejected += 1
        else:
            staged.append((number, result.values))
    return ChunkResult(len(chunk), staged, issues, rejected, os.getpid())


# The helper's normalizer: set before the fork, inherited by the child.
_worker_normalizer: RowNormalizer | None = None


def _worker_chunk(language: str | None, chunk: list[Row]) -> ChunkResult:
    assert _worker_normalizer is not None
    with translation.override(language):
        return normalize_chunk(_worker_normalizer, chunk)


def chunks(rows: Iterable[Row], size: int) -> Iterator[list[Row]]:
    chunk: list[Row] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def normalized_chunks(
    normalizer: RowNormalizer, rows: Iterable[Row], size: int, *, parallel: bool = True
) -> Iterator[ChunkResult]:
    """ChunkResults in file order. The helper always has up to two chunks queued; the
    import's process normalizes a chunk itself only when the helper is that far behind,
    so the split between the two adapts to how long the reading and the COPY take."""
    it = chunks(rows, size)
    first = next(it, None)
    if first is None:
        return
    second = next(it, None)
    pool = _start_pool(normalizer) if parallel and second is not None else None
    pending = [first] if second is None else [first, second]
    if pool is None:
        for chunk in itertools.chain(pending, it):
            yield normalize_chunk(normalizer, chunk)
        return
    language = translation.get_language()
    in_flight: deque[Future[ChunkResult] | ChunkResult] = deque()
    try:
        for chunk in itertools.chain(pending, it):
            queued = sum(1 for item in in_flight if isinstance(item, Future) and not item.done())
            if queued < 2:
                in_flight.append(pool.submit(_worker_chunk, language, chunk))
            else:
                in_flight.append(normalize_chunk(normalizer, chunk))
            # Hand back what is ready, in order; wait only when four chunks are held.
            while in_flight and (
                not isinstance(in_flight[0], Future) or in_flight[0].done() or len(in_flight) > 3
            ):
                yield _result(in_flight.popleft())
        while in_flight:
            yield _result(in_flight.popleft())
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _result(item: Future[ChunkResult] | ChunkResult) -> ChunkResult:
    return item.result() if isinstance(item, Future) else item


def _start_pool(normalizer: RowNormalizer) -> ProcessPoolExecutor | None:
    global _worker_normalizer
    if "fork" not in multiprocessing.get_all_start_methods():
        return None
    _worker_normalizer = normalizer
    pool: ProcessPoolExecutor | None = None
    try:
        pool = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("fork"))
        # Fork now, while the global holds the normalizer the child is to inherit.
        pool.submit(_noop).result(timeout=30)
    except Exception as exc:  # a daemonic worker, no fork, resource limits: run serially
        logger.info("import: normalizing in one process (%s)", exc)
        if pool is not None:
            with contextlib.suppress(Exception):
                pool.shutdown(wait=False, cancel_futures=True)
        return None
    finally:
        _worker_normalizer = None
    return pool


def _noop() -> Any:
    return None
