"""The data API: each chart's data as CSV/JSON at a stable URL (Flask blueprint).

URLs (v1 stays as it is; a change of meaning gets /api/v2):
  /api/v1/indicator/<indicator_id>.csv|.json?cities=A,B&from=YYYY&to=YYYY&grain=..&pc=0|1&align=0|1
  /api/v1/sources.json   /api/v1/effects.json   /api/v1/project/<project_id>/series.csv|.json

The indicator endpoint runs the compare page's query with the compare page's URL
fields, so it returns exactly the table the page shows. Input is hostile: anything
not understood is a 400 with a JSON message naming the parameter, never a 500.
Every response names its sources: a `sources` member in JSON, and in CSV an
`X-Sources` header (source ids) plus a Link to /api/v1/sources.json, so the CSV
body stays plain and parseable.
"""

from __future__ import annotations

import json
import logging

import pandas as pd
from flask import Blueprint, Flask, Response, jsonify, request

from gosmart.dashboard import queries
from gosmart.dashboard import queries_compare as qc
from gosmart.dashboard.figures import compare as figs
from gosmart.dashboard.i18n import t
from gosmart.dashboard.urlstate import decode

log = logging.getLogger(__name__)
API_PREFIX = "/api/v1"
INDICATOR_PARAMS = {"cities", "from", "to", "grain", "pc", "align", "lang"}
PROJECT_PARAMS = {"lang"}
FORMATS = {"csv", "json"}

api = Blueprint("gosmart_api", __name__, url_prefix=API_PREFIX)


class ApiError(Exception):
    """A request the API refuses, with the HTTP status and a message for the caller."""

    def __init__(self, status: int, message: str, invalid: list[str] | None = None) -> None:
        super().__init__(message)
        self.status, self.message, self.invalid = status, message, invalid or []


def _records(frame: pd.DataFrame) -> list[dict]:
    """JSON-safe rows: NaN -> null, dates -> ISO text."""
    return json.loads(frame.to_json(orient="records", date_format="iso", force_ascii=False))


def _source_rows(ids: list[str]) -> list[dict]:
    if not ids:
        return []
    cols = [
        "source_id",
        "publisher",
        "title",
        "url",
        "licence",
        "kind",
        "third_party",
        "retrieved_at",
    ]
    return _records(pd.DataFrame(qc.sources_for(ids), columns=cols))


def _query_args(allowed: set[str]) -> dict[str, str]:
    """Query parameters as single strings; unknown or repeated names are refused."""
    unknown = sorted(k for k in request.args if k not in allowed)
    repeated = sorted(k for k in request.args if len(request.args.getlist(k)) > 1)
    if unknown or repeated:
        names = unknown + repeated
        raise ApiError(
            400,
            f"unknown or repeated parameter(s): {', '.join(n[:40] for n in names)}; "
            f"allowed: {', '.join(sorted(allowed))}",
            names,
        )
    return {k: request.args[k] for k in request.args}


def _format(fmt: str) -> str:
    if fmt not in FORMATS:
        raise ApiError(404, f"unknown format '.{fmt[:20]}': use .csv or .json")
    return fmt


def _csv(frame: pd.DataFrame, name: str, source_ids: list[str]) -> Response:
    response = Response(queries.csv_text(frame), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'inline; filename="{name}.csv"'
    response.headers["X-Sources"] = ",".join(source_ids)
    response.headers["Link"] = f'<{API_PREFIX}/sources.json>; rel="describedby"'
    response.headers["X-Data-Version"] = queries.data_version()
    return response


def _json(payload: dict) -> Response:
    response = jsonify({**payload, "data_version": queries.data_version()})
    response.headers["Link"] = f'<{API_PREFIX}/sources.json>; rel="describedby"'
    return response


def indicator_selection(indicator_id: str, args: dict[str, str]) -> dict:
    """Decoded compare state for the API; any value the page would reset is a 400 here."""
    raw = {**args, "ind": indicator_id}
    state, notices = decode(qc.COMPARE_VIEW, raw)
    if "ind" in notices:
        raise ApiError(404, f"unknown indicator '{indicator_id[:60]}'", ["indicator_id"])
    if notices:
        bad = list(notices)
        raise ApiError(400, f"invalid value for: {', '.join(bad)}", bad)
    if not state["cities"] or "cities" not in args:
        raise ApiError(400, "cities is required: a comma-separated list of city ids", ["cities"])
    return state


@api.route("/indicator/<indicator_id>.<fmt>")
def indicator_data(indicator_id: str, fmt: str) -> Response:
    fmt = _format(fmt)
    state = indicator_selection(indicator_id, _query_args(INDICATOR_PARAMS))
    data = qc.compare_data(qc.selection_from_state(state))
    lang = state["lang"]
    rows = figs.table_rows(data, qc.city_rows(), lang)
    if fmt == "csv":
        return _csv(rows, f"gosmart-{indicator_id}", data.source_ids)
    return _json(
        {
            "indicator": {
                k: data.indicator.get(k) for k in ("indicator_id", "name_en", "name_zh", "unit")
            },
            "cities": state["cities"],
            "years": list(data.years) if data.years else None,
            "grain": data.grain,
            "measure": data.measure,
            "unit": figs.unit_label(data, lang),
            "notes": {
                "coarsened_from": data.coarsened_from,
                "per_capita_unavailable": data.per_capita_block,
                "no_population": data.missing_population,
                "no_data": data.no_data,
                "not_aligned": data.unaligned,
            },
            "rows": _records(rows),
            "sources": _source_rows(data.source_ids),
        }
    )


@api.route("/sources.json")
def sources_json() -> Response:
    _query_args(set())
    frame = qc.sources_list()
    rows = _records(frame)
    return _json({"sources": rows})


@api.route("/effects.json")
def effects_json() -> Response:
    _query_args(set())
    effects = qc.effects()
    listing = qc.sources_list()
    wanted = set(effects["indicator_id"])
    used = [
        r["source_id"]
        for r in listing.to_dict("records")
        if wanted & set(r["indicators"] if r["indicators"] is not None else [])
    ]
    return _json({"effects": _records(effects), "sources": _source_rows(sorted(used))})


@api.route("/project/<project_id>/series.<fmt>")
def project_series(project_id: str, fmt: str) -> Response:
    fmt = _format(fmt)
    _query_args(PROJECT_PARAMS)
    if project_id not in queries.project_ids():
        raise ApiError(404, f"unknown project '{project_id[:60]}'", ["project_id"])
    frame = qc.project_series(project_id)
    ids = sorted(set(frame["source_id"].dropna()))
    if fmt == "csv":
        return _csv(frame, f"gosmart-{project_id}-series", ids)
    return _json({"project_id": project_id, "rows": _records(frame), "sources": _source_rows(ids)})


@api.route("/", defaults={"rest": ""})
@api.route("/<path:rest>")
def not_found(rest: str) -> Response:
    raise ApiError(404, f"no such API path: {API_PREFIX}/{rest[:80]}")


@api.errorhandler(ApiError)
def _api_error(exc: ApiError) -> tuple[Response, int]:
    lang = request.args.get("lang", "en")
    body = {"error": exc.message, "status": exc.status, "help": t("api.help", lang)}
    if exc.invalid:
        body["invalid"] = exc.invalid
    return jsonify(body), exc.status


@api.errorhandler(Exception)
def _unexpected(exc: Exception) -> tuple[Response, int]:
    if isinstance(exc, ApiError):
        return _api_error(exc)
    code = getattr(exc, "code", None)
    if isinstance(code, int) and 400 <= code < 500:
        return jsonify(
            {"error": str(getattr(exc, "description", "bad request")), "status": code}
        ), code
    log.exception("API request failed: %s", request.path)
    return jsonify({"error": t("api.unavailable", "en"), "status": 503}), 503


def register_api(server: Flask) -> None:
    """Attach the API to the Dash app's Flask server (called by gosmart.dashboard.app)."""
    server.register_blueprint(api)
