"""QR codes that hand a slide over to a visitor's phone: inline SVG, made locally, no network."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from functools import lru_cache
from typing import Any
from urllib.parse import urljoin, urlparse

import segno

from gosmart.dashboard import urlstate
from gosmart.dashboard.data import settings

log = logging.getLogger(__name__)
PROJECT_VIEW = "project"


def valid_base(url: str) -> bool:
    """An absolute http(s) URL with a host: something a phone can open."""
    parts = urlparse(url.strip())
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def public_base(request_host_url: str | None) -> str:
    """The base phones open: the public URL setting (`--public-url`, GOSMART_PUBLIC_URL) if
    valid, else the host the kiosk screen itself uses."""
    base = settings().public_url
    if not valid_base(base):
        if base:
            log.warning("kiosk: public URL %r is not an http(s) URL; ignored", base)
        base = request_host_url or ""
    if not valid_base(base):
        base = "http://127.0.0.1:8050/"
    return base if base.endswith("/") else base + "/"


def project_state(lang: str, extra: Mapping[str, Any]) -> dict[str, Any]:
    """The project view's state: `lang` always, plus whichever extra fields the view declares.

    Values the view's own decoder would reject are left out, so the phone never
    lands on a page with a "settings were reset" notice.
    """
    names = {f.name for f in urlstate.fields_of(PROJECT_VIEW)}
    state: dict[str, Any] = {"lang": lang}
    for name, value in extra.items():
        if name not in names or value is None:
            continue
        trial = {**state, name: value}
        decoded, notices = urlstate.decode(
            PROJECT_VIEW, urlstate.parse_query(urlstate.encode(PROJECT_VIEW, trial))
        )
        if not notices and decoded.get(name) == value:
            state[name] = value
    return state


def project_url(base: str, project_id: str, lang: str, extra: Mapping[str, Any]) -> str:
    """Absolute link to a project's page in the visitor's language."""
    relative = urlstate.href(f"/project/{project_id}", PROJECT_VIEW, project_state(lang, extra))
    return urljoin(base, relative.lstrip("/"))


def home_url(base: str, lang: str) -> str:
    """Absolute link to the showcase in the visitor's language."""
    return urljoin(base, urlstate.href("/", "showcase", {"lang": lang}).lstrip("/"))


@lru_cache(maxsize=256)
def qr_data_uri(url: str) -> str:
    """An SVG data URI of a QR code for `url` (black on white, quiet zone kept)."""
    code = segno.make(url, error="m", micro=False)
    return code.svg_data_uri(scale=4, border=3, dark="#000000", light="#ffffff")
