"""A limit on request bodies, for every route, before anything parses them.

:class:`BodySizeLimit` is a plain ASGI middleware, outside the application:

* a ``Content-Length`` over the limit is answered ``413 body_too_large`` at once, before
  the application runs and before one byte of the body is read;
* a body without ``Content-Length`` (chunked transfer) is counted as it arrives: at the
  chunk that takes it over the limit the middleware answers 413 itself and raises
  :class:`BodyTooLarge` into whatever was reading (JSON, a form, the request-signature
  check); whatever the application makes of that error is dropped.

Either way the connection is closed after the answer, so the rest of the body is never
read. The limit is ``PYVORIN_SERVER_MAX_BODY_BYTES`` (default 1 MiB; the largest body the
API takes is an activation with its licence key, a few KiB).
"""

from __future__ import annotations

import json
from typing import Any

from .service import ApiError

Scope = dict[str, Any]


class BodyTooLarge(ApiError):
    def __init__(self, limit: int) -> None:
        super().__init__(
            413,
            "body_too_large",
            f"the request body is larger than this server accepts ({limit} bytes)",
        )


def _declared_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None  # the HTTP server refuses such a request itself
    return None


async def send_too_large(scope: Scope, send: Any, error: BodyTooLarge) -> None:
    if scope.get("path", "").startswith("/console"):
        body = (
            "<!doctype html><meta charset=utf-8><title>Request too large</title>"
            f"<p>{error.message}.</p>"
        ).encode()
        kind = b"text/html; charset=utf-8"
    else:
        body = json.dumps({"error": error.code, "message": error.message}).encode()
        kind = b"application/json"
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", kind),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class BodySizeLimit:
    def __init__(self, app: Any, limit: int) -> None:
        self.app, self.limit = app, limit

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit
        declared = _declared_length(scope)
        if declared is not None and declared > limit:
            await send_too_large(scope, send, BodyTooLarge(limit))
            return
        received = 0
        started = answered = False

        async def limited_receive() -> dict[str, Any]:
            nonlocal received, answered
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    error = BodyTooLarge(limit)
                    if not started and not answered:
                        # answer here, whatever the reader (a JSON body, a form, the
                        # signature check) makes of the error raised below
                        answered = True
                        await send_too_large(scope, send, error)
                    raise error
            return message

        async def guarded_send(message: dict[str, Any]) -> None:
            nonlocal started
            if answered:
                return  # the 413 went out already; the app's own answer is dropped
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, guarded_send)
        except Exception:
            if not answered:
                raise
