"""The setup's JSON API under the live page (the page is its first client).

``GET /api/setup``; ``PUT /api/roi``; ``POST /api/people``; ``PATCH`` and ``DELETE
/api/people/{name}``; ``GET /api/people/{name}/images/{n}`` (a library photo). Every answer
is JSON; an error is ``{"error": "<one sentence>"}`` with 400, 401, 403, 404, 409 or 429.

Reads take the token as every route does (header or ``?token=``). A change wants it in the
``Authorization`` header, never a cookie or the URL, is refused when a browser says it comes
from another site (Origin, else Referer, against Host), and with no token set is accepted
from this machine only.
"""

from __future__ import annotations

import ipaddress
import json
import re
from urllib.parse import parse_qs, unquote, urlsplit

from edgecam.edge.errors import EdgecamError
from edgecam.edge.setup.controller import Refused

MAX_BODY = 64 * 1024
PERSON = re.compile(r"^/api/people/([^/]+)$")
PERSON_IMAGE = re.compile(r"^/api/people/([^/]+)/images/(\d{1,4})$")
IMAGE_TYPES = {".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png", ".bmp": "image/bmp"}


def read(handler, url) -> None:
    """A GET under /api/."""
    stream = handler.stream
    if not stream.authorised(handler.headers.get("Authorization", ""), parse_qs(url.query)):
        _answer(handler, 401, {"error": "A token is needed: Authorization: Bearer TOKEN, or ?token=TOKEN."})
        return
    setup = stream.setup
    if setup is None:
        _answer(handler, 404, {"error": "This loop has no setup API."})
        return
    if url.path == "/api/setup":
        _answer(handler, 200, setup.state())
        return
    match = PERSON_IMAGE.match(url.path)
    path = setup.person_image(unquote(match.group(1)), int(match.group(2))) if match else None
    kind = IMAGE_TYPES.get(path.suffix.lower()) if path else None
    if path is None or kind is None:
        _answer(handler, 404, {"error": "Not here. The setup lives at /api/setup."})
        return
    handler._send(200, kind, path.read_bytes())


def change(handler) -> None:
    """A PUT, POST, PATCH or DELETE: checked in order (origin, token, rate, body), then routed."""
    try:
        _answer(handler, *_route(handler))
    except Refused as refused:
        _answer(handler, refused.status, {"error": refused.sentence})
    except (EdgecamError, OSError) as error:  # the library's disk, a model file gone bad
        why = str(error) if isinstance(error, EdgecamError) else (error.strerror or str(error))
        _answer(handler, 409, {"error": f"The change could not be made: {why.rstrip('.')}."})


def _route(handler) -> tuple[int, dict]:
    stream, method = handler.stream, handler.command
    if stream.setup is None:
        raise Refused(404, "This loop has no setup API.")
    _same_origin(handler)
    _allowed_to_write(handler)
    stream.setup.admit()
    body = _body(handler) if method != "DELETE" else {}
    path = urlsplit(handler.path).path
    person = PERSON.match(path)
    setup = stream.setup
    if method == "PUT" and path == "/api/roi":
        return 200, setup.put_roi(body)
    if method == "POST" and path == "/api/people":
        return 202, setup.post_people(body)
    if method == "PATCH" and person:
        return 202, setup.patch_person(unquote(person.group(1)), body)
    if method == "DELETE" and person:
        return 202, setup.delete_person(unquote(person.group(1)))
    raise Refused(404, f"No change {method} {path[:80]}; see PUT /api/roi and /api/people.")


def _same_origin(handler) -> None:
    host = handler.headers.get("Host", "")
    origin = handler.headers.get("Origin") or handler.headers.get("Referer")
    if origin is None:
        return  # not a browser (curl, a script): the token is what guards it
    if urlsplit(origin).netloc.lower() != host.lower() or not host:
        raise Refused(403, "Changes are accepted from this device's own page only, not from another site.")


def _allowed_to_write(handler) -> None:
    stream = handler.stream
    header = handler.headers.get("Authorization", "")
    if stream.token:
        if not stream.authorised(header, {}):  # the header only: no ?token= for a change
            raise Refused(401, "A change needs the token in the header: Authorization: Bearer TOKEN.")
        return
    if not ipaddress.ip_address(handler.client_address[0].removeprefix("::ffff:")).is_loopback:
        raise Refused(403, "With no token set, changes are accepted from this machine only; set EDGECAM_STREAM_TOKEN.")


def _body(handler) -> dict:
    try:
        length = int(handler.headers.get("Content-Length", ""))
    except ValueError:
        raise Refused(400, "A change needs a JSON body with its Content-Length.") from None
    if not 0 < length <= MAX_BODY:
        raise Refused(400, f"A change's JSON body must be 1 byte to {MAX_BODY // 1024} KiB, not {length}.")
    try:
        body = json.loads(handler.rfile.read(length))
    except (ValueError, RecursionError):
        raise Refused(400, "The body is not JSON.") from None
    if not isinstance(body, dict):
        raise Refused(400, "The body must be a JSON object.")
    return body


def _answer(handler, status: int, body: dict) -> None:
    handler._send(status, "application/json", json.dumps(body, ensure_ascii=False).encode())
