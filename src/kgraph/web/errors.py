"""One error type for the web layer, rendered one way: text/plain with its status.

Every kgraph error carries its HTTP status (`kgraph.errors`); the web layer adds `HTTPError` for
protocol problems. A SHACL refusal (422) carries the validation report, in JSON or Turtle as the
client asks. Only faults (5xx) are logged.
"""

from __future__ import annotations

import json
import logging

from starlette.exceptions import HTTPException as RoutingError
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Match

from kgraph.errors import KgraphError, ValidationFailed
from kgraph.web.conneg import negotiate

log = logging.getLogger("kgraph.web")


class HTTPError(Exception):
    """A protocol error with its status, message and headers."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}


def render(request: Request, exc: Exception) -> Response:
    if isinstance(exc, RoutingError):  # the framework's own 404 and 405, in the same form
        return _routing_error(request, exc)
    if isinstance(exc, HTTPError):
        return PlainTextResponse(exc.message + "\n", status_code=exc.status, headers=exc.headers)
    if isinstance(exc, ValidationFailed):
        return _validation_report(request, exc)
    if isinstance(exc, KgraphError):
        status = exc.http_status
        headers = {}
        retry = getattr(exc, "retry_after", None)
        if retry:
            headers["Retry-After"] = str(retry)
        if status >= 500:
            log.error("fault while serving %s %s: %s", request.method, request.url.path, exc)
        return PlainTextResponse(str(exc) + "\n", status_code=status, headers=headers)
    log.exception("unexpected fault while serving %s %s", request.method, request.url.path,
                  exc_info=exc)
    return PlainTextResponse("internal error: the server failed; nothing was changed\n",
                             status_code=500)


def _routing_error(request: Request, exc: RoutingError) -> Response:
    headers = dict(exc.headers or {})
    if exc.status_code == 404:
        message = f"Nothing is served at {request.url.path}"
    elif exc.status_code == 405:
        # every route at this path, not only the first the router tried
        allowed = sorted({m for route in request.app.routes
                          if route.matches(request.scope)[0] is not Match.NONE
                          for m in (getattr(route, "methods", None) or ())} | {"OPTIONS"})
        headers["Allow"] = ", ".join(allowed)
        if request.method == "OPTIONS":  # not a preflight (CORS answers those): the methods
            return Response(status_code=204, headers=headers)
        message = f"{request.method} is not allowed on {request.url.path} (allowed: {headers['Allow']})"
    else:
        message = str(exc.detail)
    return PlainTextResponse(message + "\n", status_code=exc.status_code, headers=headers)


def _validation_report(request: Request, exc: ValidationFailed) -> Response:
    report = exc.report
    media = negotiate(request.headers.get("accept"),
                      ["application/json", "text/turtle", "text/plain"]) or "application/json"
    violations = getattr(report, "violations", [])
    if media == "text/turtle" and getattr(report, "graph", None) is not None:
        return Response(report.graph.serialize(format="turtle"), status_code=422,
                        media_type="text/turtle; charset=utf-8")
    if media == "text/plain":
        return PlainTextResponse(report.text() + "\n", status_code=422)
    body = {
        "message": str(exc),
        "conforms": False,
        "results": [
            {"focusNode": v.focus, "resultPath": v.path, "message": v.message,
             "severity": v.severity, "sourceShape": v.shape, "value": v.value}
            for v in violations
        ],
    }
    return Response(json.dumps(body, indent=2), status_code=422, media_type="application/json")
