"""The one HTTP session every live connector uses, and the helpers around it.

Why one place: timeouts, bounded retries with backoff (honouring `Retry-After`),
the User-Agent, secret handling and pagination are easy to get subtly wrong, so
they are written once. API keys come only from environment variables and are
stripped from every URL, log record and error message this module produces.
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

import requests

from gosmart.connectors.errors import IngestError
from gosmart.connectors.secrets import (
    REDACTED as REDACTED,  # re-exported: sources import them from here
)
from gosmart.connectors.secrets import SECRET_PARAMS, scrub
from gosmart.connectors.secrets import register_secret_env as register_secret_env

USER_AGENT = "gosmart-evidence/0.1 (open-source smart-city indicator dashboard; python-requests)"
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})

log = logging.getLogger(__name__)


@dataclass
class RetryPolicy:
    """How hard to try: `tries` attempts in all, exponential backoff, capped waits."""

    tries: int = 4
    backoff_factor: float = 0.5  # waits 0.5, 1, 2, ... seconds between tries
    max_wait: float = 30.0  # cap on any single wait, Retry-After included
    statuses: frozenset[int] = RETRY_STATUSES
    sleep: Callable[[float], None] = field(default=time.sleep, repr=False)

    def backoff(self, attempt: int) -> float:
        """Wait before try `attempt + 1` when the server gave no Retry-After."""
        return min(self.backoff_factor * (2 ** (attempt - 1)), self.max_wait)


class GoSmartSession(requests.Session):
    """A `requests.Session` with a default (connect, read) timeout and a retry policy."""

    def __init__(self, timeout: tuple[float, float], policy: RetryPolicy) -> None:
        super().__init__()
        self.timeout = timeout
        self.policy = policy
        self.headers["User-Agent"] = USER_AGENT

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> requests.Response:
        kwargs.setdefault("timeout", self.timeout)
        return super().request(method, url, *args, **kwargs)

    def rebuild_auth(self, prepared_request: Any, response: requests.Response) -> None:
        """On a redirect to another host, drop every secret header, not only Authorization."""
        super().rebuild_auth(prepared_request, response)
        if self.should_strip_auth(response.request.url, prepared_request.url):
            for name in [h for h in prepared_request.headers if h.lower() in SECRET_PARAMS]:
                del prepared_request.headers[name]


def make_session(
    *,
    timeout: tuple[float, float] = (10.0, 20.0),
    tries: int = 4,
    backoff_factor: float = 0.5,
    max_wait: float = 30.0,
    sleep: Callable[[float], None] = time.sleep,
) -> GoSmartSession:
    """The shared session: default timeouts, retry policy, User-Agent, redacted logs."""
    install_log_redaction()
    policy = RetryPolicy(tries=tries, backoff_factor=backoff_factor, max_wait=max_wait, sleep=sleep)
    return GoSmartSession(timeout, policy)


# --- secrets ---------------------------------------------------------------------------------


def secret_from_env(env_name: str, source_id: str, location: str) -> str:
    """The value of an API key or client secret; a clear error (naming only the variable) if unset."""
    value = os.environ.get(env_name, "").strip()
    if not value:
        raise IngestError(source_id, location, f"environment variable {env_name} is not set")
    return value


def redact_url(url: str, params: dict[str, Any] | None = None) -> str:
    """The URL with `params` merged in and every secret query parameter removed."""
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)]
    query += [(k, str(v)) for k, v in (params or {}).items() if v is not None]
    kept = [(k, v) for k, v in query if k.lower() not in SECRET_PARAMS]
    netloc = parts.hostname or ""
    if parts.port:
        netloc = f"{netloc}:{parts.port}"
    return urlunsplit((parts.scheme, netloc, parts.path, urlencode(kept), ""))


class _RedactingFilter(logging.Filter):
    """Rewrites records of loggers that print request URLs (urllib3 logs them at DEBUG)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        clean = scrub(message)
        if clean != message:
            record.msg, record.args = clean, None
        return True


_FILTER = _RedactingFilter()


def install_log_redaction() -> None:
    """Attach the redacting filter to the loggers that can see request URLs (idempotent)."""
    for name in ("urllib3.connectionpool", "urllib3", "requests", __name__):
        logger = logging.getLogger(name)
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)


# --- fetching --------------------------------------------------------------------------------


def retry_after_seconds(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta seconds or an HTTP date), or None."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def _connection_reason(exc: requests.ConnectionError) -> str:
    text = repr(exc).lower()
    if "reset" in text:
        return "connection reset"
    if "refused" in text:
        return "connection refused"
    if "remotedisconnected" in text or "without response" in text or "aborted" in text:
        return "connection closed without a response"
    if "name or service" in text or "nodename" in text or "resolve" in text:
        return "host name not found"
    return "connection failed"


def _request_once(
    session: requests.Session,
    method: str,
    url: str,
    params: dict | None,
    headers: dict | None,
    data: dict | None,
) -> tuple[requests.Response | None, str]:
    """One request: the response (content read), or None and a one-phrase reason."""
    timeout = getattr(session, "timeout", (10.0, 20.0))
    try:
        resp = session.request(
            method, url, params=params, headers=headers, data=data, timeout=timeout
        )
        return resp, ""
    except requests.Timeout as exc:
        which = 0 if isinstance(exc, requests.ConnectTimeout) else 1
        verb = "connect timed out" if which == 0 else "timed out"
        return None, f"{verb} after {timeout[which]:g} s"
    except requests.exceptions.ChunkedEncodingError:
        return None, "response truncated (connection closed mid-body)"
    except requests.exceptions.ContentDecodingError:
        return None, "response body could not be decoded"
    except requests.ConnectionError as exc:
        return None, _connection_reason(exc)


def fetch_bytes(
    session: requests.Session,
    url: str,
    params: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
    source_id: str = "http",
) -> bytes:
    """GET a URL with the session's retry policy; the body, or one clear IngestError.

    Retries connection errors, timeouts, truncated bodies and HTTP 429/5xx with
    exponential backoff, honouring Retry-After (capped). Other HTTP errors fail
    at once. Messages name the URL without secrets and never echo a key.
    """
    return request_bytes(session, "GET", url, params, headers, None, source_id)


def request_bytes(
    session: requests.Session,
    method: str,
    url: str,
    params: dict[str, Any] | None,
    headers: dict[str, str] | None,
    data: dict[str, str] | None,
    source_id: str,
) -> bytes:
    """`fetch_bytes` for any method; a form body (`data`) is sent but never reported."""
    policy: RetryPolicy = getattr(session, "policy", None) or RetryPolicy()
    location = redact_url(url, params)
    reason = "no try made"
    for attempt in range(1, policy.tries + 1):
        resp, reason = _request_once(session, method, url, params, headers, data)
        wait = policy.backoff(attempt)
        if resp is not None:
            if resp.status_code < 400:
                return resp.content
            reason = f"HTTP {resp.status_code}{_reason_phrase(resp)}"
            if resp.status_code not in policy.statuses:
                hint = ""
                if resp.status_code in (401, 403):
                    hint = " (the API key or token was refused)"
                raise IngestError(source_id, location, f"{reason}{hint}") from None
            told = retry_after_seconds(resp.headers.get("Retry-After"))
            if told is not None:
                wait = min(told, policy.max_wait)
        log.info("%s: %s: %s (try %d of %d)", source_id, location, reason, attempt, policy.tries)
        if attempt < policy.tries:
            policy.sleep(wait)
    tries = f"{policy.tries} tries" if policy.tries != 1 else "1 try"
    raise IngestError(source_id, location, f"{reason} after {tries}") from None


def _reason_phrase(resp: requests.Response) -> str:
    phrase = scrub(str(resp.reason or "")).strip()
    return f" {phrase}" if phrase else ""


def decode_json(raw: bytes, source_id: str, location: str) -> Any:
    """Strict UTF-8 then JSON; a one-line IngestError saying where it broke."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise IngestError(
            source_id, location, f"response is not valid UTF-8 (byte {exc.start})"
        ) from None
    if not text.strip():
        raise IngestError(source_id, location, "response is empty")
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        hint = " (truncated?)" if exc.pos >= len(text.rstrip()) - 1 else ""
        raise IngestError(
            source_id,
            location,
            f"invalid JSON{hint}: {exc.msg} at line {exc.lineno} column {exc.colno}",
        ) from None


def fetch_json(
    session: requests.Session,
    url: str,
    params: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
    source_id: str = "http",
) -> Any:
    """`fetch_bytes` then `decode_json`."""
    raw = fetch_bytes(session, url, params, headers, source_id)
    return decode_json(raw, source_id, redact_url(url, params))


# --- pagination ------------------------------------------------------------------------------


def _int_or_none(value: Any) -> int | None:
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return None


def paginate_offset(
    session: requests.Session,
    url: str,
    params: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
    source_id: str = "http",
    *,
    limit: int = 1000,
    records_key: str = "records",
    max_pages: int = 1000,
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """MOENV v2 style offset/limit paging: (first page's envelope, all records).

    Stops on a short page or when `offset` reaches the envelope's `total`. An
    empty page while `total` says more records follow is refused: a silent gap.
    """
    base = dict(params or {})
    records: list[dict[str, Any]] = []
    first: dict[str, Any] | None = None
    offset = _int_or_none(base.pop("offset", 0)) or 0
    for _ in range(max_pages):
        page_params = {**base, "limit": limit, "offset": offset}
        page = fetch_json(session, url, page_params, headers, source_id)
        location = redact_url(url, page_params)
        if not isinstance(page, dict) or not isinstance(page.get(records_key), list):
            raise IngestError(source_id, location, f"no '{records_key}' list in the response")
        first = first if first is not None else page
        batch = page[records_key]
        total = _int_or_none(page.get("total"))
        if not batch:
            if total is not None and offset < total:
                raise IngestError(
                    source_id, location, f"empty page at offset {offset} of {total} records"
                )
            break
        records.extend(batch)
        offset += len(batch)
        if len(batch) < limit or (total is not None and offset >= total):
            break
    else:
        raise IngestError(source_id, redact_url(url, base), f"more than {max_pages} pages")
    return first or {}, records


def follow_next_links(
    session: requests.Session,
    url: str,
    params: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
    source_id: str = "http",
    *,
    max_pages: int = 1000,
) -> list[dict[str, Any]]:
    """OGC SensorThings paging: every `value` item, following `@iot.nextLink`.

    A next link to another host is refused (never follow a server elsewhere);
    an empty page that still carries a next link is refused as a gap.
    """
    items: list[dict[str, Any]] = []
    origin = urlsplit(url)[:2]
    next_url: str | None = url
    next_params = params
    for page_no in range(1, max_pages + 1):
        assert next_url is not None
        page = fetch_json(session, next_url, next_params, headers, source_id)
        location = redact_url(next_url, next_params)
        if not isinstance(page, dict) or not isinstance(page.get("value"), list):
            raise IngestError(source_id, location, "no 'value' list in the response")
        link = page.get("@iot.nextLink")
        if not page["value"] and link:
            raise IngestError(source_id, location, f"page {page_no} is empty but has a next link")
        items.extend(page["value"])
        if not link:
            return items
        next_url, next_params = urljoin(next_url, str(link)), None
        if urlsplit(next_url)[:2] != origin:
            raise IngestError(source_id, location, "next link points to another host; refused")
    raise IngestError(source_id, redact_url(url, params), f"more than {max_pages} pages")


def paginate_pages(
    session: requests.Session,
    url: str,
    params: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
    source_id: str = "http",
    *,
    limit: int = 1000,
    max_pages: int = 1000,
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """OpenAQ v3 paging (page/limit, `meta.found`): (first page's meta, all results).

    `meta.found` may be a number or a string such as ">1000"; a number ends the
    walk exactly, otherwise a short page does. An empty page before `found` is
    reached is refused as a gap.
    """
    base = dict(params or {})
    results: list[dict[str, Any]] = []
    first_meta: dict[str, Any] | None = None
    for page_no in range(1, max_pages + 1):
        page_params = {**base, "limit": limit, "page": page_no}
        page = fetch_json(session, url, page_params, headers, source_id)
        location = redact_url(url, page_params)
        if not isinstance(page, dict) or not isinstance(page.get("results"), list):
            raise IngestError(source_id, location, "no 'results' list in the response")
        meta = page.get("meta") if isinstance(page.get("meta"), dict) else {}
        first_meta = first_meta if first_meta is not None else meta
        found = _int_or_none(meta.get("found"))
        batch = page["results"]
        if not batch:
            if found is not None and len(results) < found:
                raise IngestError(
                    source_id, location, f"empty page {page_no} after {len(results)} of {found}"
                )
            break
        results.extend(batch)
        if len(batch) < limit or (found is not None and len(results) >= found):
            break
    else:
        raise IngestError(source_id, redact_url(url, base), f"more than {max_pages} pages")
    return first_meta or {}, results


def join_pages(envelope: dict[str, Any], key: str, items: Iterable[dict[str, Any]]) -> bytes:
    """One JSON document in the shape of a single page, holding every page's items.

    A live fetch hands the runner one (bytes, location) pair per source, so the
    parser sees the whole result at once and duplicates across pages are caught.
    """
    doc = {k: v for k, v in envelope.items() if k not in ("_links", "__extras")}
    doc[key] = list(items)
    return json.dumps(doc, ensure_ascii=False).encode("utf-8")
