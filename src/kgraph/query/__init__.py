"""Running users' SPARQL with limits: the executors (see executor.py)."""

from kgraph.query.executor import (
    InProcessExecutor,
    QueryExecutor,
    QueryFailed,
    QueryLimit,
    QueryStream,
    Request,
    WorkerExecutor,
    executor_for,
)

__all__ = [
    "InProcessExecutor",
    "QueryExecutor",
    "QueryFailed",
    "QueryLimit",
    "QueryStream",
    "Request",
    "WorkerExecutor",
    "executor_for",
]
