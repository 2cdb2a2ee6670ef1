"""The one place where errors become HTTP responses, and every response gets its
security headers."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import aiohttp_jinja2
from aiohttp import web
from aiohttp.typedefs import Handler

from meetroom.errors import (
    N_,
    Category,
    Conflict,
    Forbidden,
    Invalid,
    MeetRoomError,
    NotFound,
    RateLimited,
    TimedOut,
    TooLarge,
    Unauthenticated,
    Unavailable,
    UnsupportedMediaType,
)
from meetroom.protocol.api import ErrorBody, ErrorResponse
from meetroom.protocol.codec import encode_json
from meetroom.server.context import is_api, is_https
from meetroom.server.i18n import translate
from meetroom.server.render import page_context, translations_for

logger = logging.getLogger(__name__)

HTTP_STATUS: dict[Category, int] = {
    Category.INVALID: 400,
    Category.UNAUTHENTICATED: 401,
    Category.FORBIDDEN: 403,
    Category.NOT_FOUND: 404,
    Category.CONFLICT: 409,
    Category.TOO_LARGE: 413,
    Category.UNSUPPORTED_MEDIA_TYPE: 415,
    Category.RATE_LIMITED: 429,
    Category.TIMED_OUT: 408,
    Category.UNAVAILABLE: 503,
}

# For the meeting WebSocket: 4000 + HTTP status where the protocol leaves room.
WS_CLOSE_CODE: dict[Category, int] = {
    Category.INVALID: 4400,
    Category.UNAUTHENTICATED: 4401,
    Category.FORBIDDEN: 4403,
    Category.NOT_FOUND: 4404,
    Category.CONFLICT: 4409,
    Category.TOO_LARGE: 1009,
    Category.UNSUPPORTED_MEDIA_TYPE: 1003,
    Category.RATE_LIMITED: 4429,
    Category.TIMED_OUT: 4408,
    Category.UNAVAILABLE: 1013,
}
# Errors whose close code says more than their category's: a meeting socket opened with
# a join link that was replaced (a Forbidden) closes with its own code, so that the page
# can say why (see live_socket.py).
WS_CLOSE_CODE_OF_ERROR: dict[str, int] = {"join_link_replaced": 4410}


def ws_close_code(exc: MeetRoomError) -> int:
    return WS_CLOSE_CODE_OF_ERROR.get(exc.code, WS_CLOSE_CODE[exc.category])


_ERROR_CLASS: dict[int, type[MeetRoomError]] = {
    HTTP_STATUS[cls.category]: cls
    for cls in (
        Invalid,
        Unauthenticated,
        Forbidden,
        NotFound,
        Conflict,
        TooLarge,
        UnsupportedMediaType,
        RateLimited,
        TimedOut,
        Unavailable,
    )
}

_HTTP_EXCEPTION_ERRORS: dict[int, tuple[str, str]] = {
    400: ("bad_request", N_("The request could not be understood.")),
    404: ("not_found", N_("There is nothing at this address.")),
    405: ("method_not_allowed", N_("This address does not accept this method.")),
    413: ("too_large", N_("The request is too large.")),
    415: ("unsupported_media_type", N_("This address does not take a body of this type.")),
}

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data: blob:",
        "media-src 'self' blob:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


@web.middleware
async def error_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except MeetRoomError as exc:
        return error_response(request, exc)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        code, message = _HTTP_EXCEPTION_ERRORS.get(
            exc.status, (f"http_{exc.status}", N_("The request failed."))
        )
        err_class = _ERROR_CLASS.get(exc.status, MeetRoomError)
        response = error_response(request, err_class(code, message), status=exc.status)
        # 405 says which methods the address takes (RFC 9110).
        if "Allow" in exc.headers:
            response.headers["Allow"] = exc.headers["Allow"]
        return response
    except (asyncio.CancelledError, ConnectionResetError):
        raise
    except Exception:
        logger.exception("unhandled error on %s %s", request.method, request.path)
        err = MeetRoomError(
            "internal_error", N_("Something went wrong on the server. It has been logged.")
        )
        return error_response(request, err, status=500)


def error_response(
    request: web.Request, exc: MeetRoomError, status: int | None = None
) -> web.StreamResponse:
    response = _error_response(request, exc, status)
    if exc.category is Category.TIMED_OUT:
        # The rest of a body that came too slowly is not waited for.
        response.force_close()
    return response


def _error_response(
    request: web.Request, exc: MeetRoomError, status: int | None = None
) -> web.StreamResponse:
    status = status or HTTP_STATUS[exc.category]
    translations = translations_for(request)
    # A parameter echoing what the client sent may hold lone surrogates (bytes that
    # were not UTF-8): they cannot be encoded, so they are shown as "?".
    message = _encodable(translate(translations, exc.message, exc.params))
    headers = {}
    if exc.retry_after is not None:
        headers["Retry-After"] = str(exc.retry_after)
    if is_api(request) or _wants_json(request):
        body = ErrorResponse(ErrorBody(code=exc.code, message=message, details=exc.details or None))
        try:
            encoded = encode_json(body)
        except UnicodeEncodeError:
            encoded = encode_json(ErrorResponse(ErrorBody(code=exc.code, message=message)))
        return web.Response(
            body=encoded,
            status=status,
            content_type="application/json",
            headers=headers,
        )
    if (
        exc.category is Category.UNAUTHENTICATED
        and request.method == "GET"
        and exc.code == "sign_in_required"
        and request.headers.get("Upgrade", "").lower() != "websocket"
    ):
        raise web.HTTPSeeOther(f"/login?next={request.path_qs}")
    try:
        context: dict[str, Any] = page_context(request)
        context.update(error_code=exc.code, error_message=message, status=status)
        response = aiohttp_jinja2.render_template("error.html", request, context, status=status)
    except Exception:
        logger.exception("error page failed to render")
        response = web.Response(text=message, status=status)
    response.headers.update(headers)
    return response


def _encodable(text: str) -> str:
    return text.encode("utf-8", "replace").decode("utf-8")


def _wants_json(request: web.Request) -> bool:
    accept = request.headers.get("Accept", "")
    return "application/json" in accept and "text/html" not in accept


async def add_security_headers(request: web.Request, response: web.StreamResponse) -> None:
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    # Join links carry tokens in the URL: never send them on as a referrer to another
    # site. Not no-referrer: with it, browsers send `Origin: null` on our own form posts
    # and fetches, which check_origin refuses (any site can send null).
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    headers.setdefault(
        "Permissions-Policy", "camera=(self), microphone=(self), display-capture=(self)"
    )
    if is_https(request):
        headers.setdefault("Strict-Transport-Security", "max-age=31536000")
    ctype = headers.get("Content-Type", "")
    if ctype.startswith("text/html") or request.path.startswith("/api/"):
        headers.setdefault("Cache-Control", "no-store")
