"""Provision the "Conversions" dashboard in a running Superset, through its
REST API only (no UI export, no Superset internals).

    .venv-bi/bin/python bi/provision.py --url http://127.0.0.1:8088 \\
        --username admin --password-file .superset/admin_password \\
        --duckdb conversions_bi.duckdb \\
        --viewer-password-file .superset/viewer_password

Passwords are read from files (or stdin, `-`), never from the command line,
and never printed.

Creates, or updates in place when they exist (found by name):

- the database "conversions", the DuckDB file opened READ-ONLY and
  sandboxed (duckdb-engine connect_args: read_only, and DuckDB's config
  SANDBOX_CONFIG: no access to any other file, no extension installed or
  loaded on demand, the configuration locked; bi/superset_config.py forces
  the same on every connection whatever the entry says); Superset's default
  NullPool opens a connection per query and closes it, so between queries
  Superset holds no lock on the file at all;
- one dataset per mart it charts (schema marts), plus the virtual dataset
  latest_funnel_diagnosis (each funnel's latest week, diagnosis in words);
- the charts of CHART_NAMES and the dashboard "Conversions" (slug
  conversions), its layout built here, with native filters: a date range
  (on each chart's date column) and segment type and segment (the funnel);
- with --viewer-password-file, the role "Conversions viewer" (VIEWER_ROLE:
  viewing dashboards and charts, no SQL Lab, no explore, no CSV, no
  database or dataset listing, data access to this dashboard's datasets
  only) and the user "viewer" holding only that role.

Every table column is labelled in words (LABEL pairs: label, SQL), and the
funnel draws each step's count and rate. Rows that are not final are marked
where the dataset has an `is_final` column (finality_marks).

Running it twice gives exactly one of each. Standard library only, so the
tests can use its client from the project's venv too.
"""
from __future__ import annotations

import argparse
import http.cookiejar
import json
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

DATABASE_NAME = "conversions"
# DuckDB settings of the connection (duckdb.connect's config): external
# access off (the one file opened, nothing else read or written, no
# ATTACH, COPY or INSTALL), no extension installed or loaded on demand,
# the configuration locked so that no SET can undo it.
SANDBOX_CONFIG = {
    "enable_external_access": False,
    "autoinstall_known_extensions": False,
    "autoload_known_extensions": False,
    "lock_configuration": True,
}

VIEWER_ROLE = "Conversions viewer"
VIEWER_USERNAME = "viewer"
# What viewing a dashboard takes in Superset 6.1 (its own
# PUBLIC_ROLE_PERMISSIONS, the set for anonymous dashboard viewers, minus
# embedding, annotations, explore permalinks and the legacy explore_json
# and slice views), as (permission, view menu); datasource_access to each
# of the dashboard's datasets is added. Nothing of SQL Lab, explore,
# databases, dataset listing, CSV export, uploads or security.
VIEWER_PERMISSIONS = [
    ("can_read", "Dashboard"),
    ("can_read", "Chart"),
    ("can_dashboard", "Superset"),
    ("can_dashboard_permalink", "Superset"),
    ("can_read", "DashboardPermalinkRestApi"),
    ("can_read", "DashboardFilterStateRestApi"),
    ("can_write", "DashboardFilterStateRestApi"),
    ("can_time_range", "Api"),
    ("can_query_form_data", "Api"),
    ("can_query", "Api"),
    ("can_read", "CssTemplate"),
    ("can_read", "Theme"),
    ("can_read", "CurrentUserRestApi"),
    ("can_get", "Datasource"),
    ("can_external_metadata", "Datasource"),
]
DASHBOARD_TITLE = "Conversions"
DASHBOARD_SLUG = "conversions"
SCHEMA = "marts"
PHYSICAL_DATASETS = [
    "fct_macro_conversion_rates",
    "fct_funnel_steps_by_segment",
    "fct_funnel_step_timing",
    "fct_micro_macro_lift",
    "fct_funnel_diagnosis",
]

# fct_funnel_diagnosis's labels (its `diagnosis is a known label` test), in
# words. A label missing here shows as its code, never as nothing.
DIAGNOSIS_LABELS = {
    "late_funnel_friction":
        "Late-funnel friction: visitors enter the funnel but fewer complete it",
    "not_reaching_funnel":
        "Not reaching the funnel: fewer visitors enter it",
    "stable": "Stable: no fall against the 4 weeks before",
    "insufficient_data":
        "Too few visitors to tell: under the minimum of entrants this week "
        "or in the 4 weeks before",
}
# fct_micro_macro_lift's micro_goal_role, in words.
ROLE_LABELS = {
    "funnel_step": "Step of the macro goal's funnel",
    "other_funnel_step": "Step of another funnel",
    "standalone": "Standalone micro goal",
}


def sql_case(column: str, labels: dict[str, str]) -> str:
    """CASE mapping a code column to words; an unknown code stays as is."""
    def quoted(text: str) -> str:
        return "'" + text.replace("'", "''") + "'"
    whens = " ".join(f"WHEN {quoted(code)} THEN {quoted(words)}"
                     for code, words in labels.items())
    return f"CASE {column} {whens} ELSE {column} END"


LATEST_DIAGNOSIS = "latest_funnel_diagnosis"
LATEST_DIAGNOSIS_SQL = f"""\
-- Each funnel's latest week of marts.fct_funnel_diagnosis (is_final says
-- whether late events or conversions can still change it), with
-- the diagnosis and the step of the largest drop-off in words.
select
    diagnosis.*,
    {sql_case("diagnosis.diagnosis", DIAGNOSIS_LABELS)} as diagnosis_label,
    coalesce(goals.goal_name, diagnosis.largest_dropoff_goal_id)
        as largest_dropoff_goal_name
from marts.fct_funnel_diagnosis as diagnosis
left join marts.dim_goals as goals
    on diagnosis.largest_dropoff_goal_id = goals.goal_id
qualify diagnosis.week_start
    = max(diagnosis.week_start) over (partition by diagnosis.funnel_id)
"""

CHART_RATE = "Macro conversion rate by week, with 95% interval"
CHART_FUNNEL = "Funnel: visitors reaching each step (count, % of previous step)"
CHART_DROPOFF = "Funnel: counts and rates per step"
CHART_TIMING = "Funnel: time to each step, in hours"
CHART_LIFT = "Micro goals outside the funnel: lift toward the macro goal"
CHART_LIFT_STEPS = "Funnel steps: share going on to the macro goal"
CHART_DIAGNOSIS = "Latest funnel diagnosis"
CHART_NAMES = [CHART_RATE, CHART_FUNNEL, CHART_DROPOFF, CHART_TIMING,
               CHART_LIFT, CHART_LIFT_STEPS, CHART_DIAGNOSIS]
# Names that earlier versions gave to charts now renamed.
RETIRED_CHART_NAMES = ["Funnel: visitors reaching each step",
                       "Funnel: drop-off per step",
                       "Micro-to-macro lift by month"]

# The date column of each chart that the dashboard's date range filters (a
# TEMPORAL_RANGE filter on it, which the native time filter sets). The
# latest diagnosis is the latest week whatever the range.
DATE_COLUMNS = {
    CHART_RATE: "period_start",
    CHART_FUNNEL: "cohort_date",
    CHART_DROPOFF: "cohort_date",
    CHART_TIMING: "cohort_month",
    CHART_LIFT: "period_start",
    CHART_LIFT_STEPS: "period_start",
}
DATE_RANGE_FILTER_ID = "NATIVE_FILTER-date-range"

# Superset 6.1's funnel chart takes its label type as a number (its
# EchartsFunnelLabelTypeType enum); a name such as "key_value_percent"
# falls back to the step name alone. 5 draws "step: count (rate)".
FUNNEL_LABEL_KEY_VALUE_PERCENT = 5

# fct_funnel_steps_by_segment holds the funnel once per segment type
# (device_type, channel, landing_page), and each type splits the same
# entrants. Dividing the sums by the number of segment types in the result
# gives the whole funnel when no segment is chosen, and one segment's (or
# several of one type's) funnel when the filters choose them.
PER_SEGMENT_TYPE = "NULLIF(COUNT(DISTINCT segment_type), 0)"
STEP_LABEL = "CONCAT(step_order, '. ', goal_name)"


class SupersetError(RuntimeError):
    pass


class Superset:
    """A logged-in REST client: a bearer token, and the CSRF token with the
    session cookie it belongs to, for the writing calls."""

    def __init__(self, url: str, username: str, password: str,
                 timeout: float = 120, csrf: bool = True):
        self.url = url.rstrip("/")
        self.timeout = timeout
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        self.headers: dict[str, str] = {}
        token = self.request("POST", "/api/v1/security/login", {
            "username": username, "password": password, "provider": "db",
            "refresh": False,
        })["access_token"]
        self.headers["Authorization"] = f"Bearer {token}"
        self.headers["Referer"] = self.url + "/"
        if csrf:
            # Only users with the admin's "Security" permission may ask
            # for one through the API.
            self.headers["X-CSRFToken"] = self.request(
                "GET", "/api/v1/security/csrf_token/")["result"]

    def request(self, method: str, path: str, body=None, *, query=None):
        url = self.url + path
        if query is not None:
            url += "?" + urllib.parse.urlencode({"q": rison(query)})
        data = None
        headers = dict(self.headers)
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        req = urllib.request.Request(url, data=data, method=method,
                                     headers=headers)
        try:
            with self.opener.open(req, timeout=self.timeout) as response:
                raw = response.read()
        except urllib.error.HTTPError as err:
            detail = err.read().decode(errors="replace")[:4000]
            raise SupersetError(
                f"{method} {path}: HTTP {err.code}: {detail}") from None
        return json.loads(raw) if raw else None

    def list(self, resource: str, columns: list[str]) -> list[dict]:
        """Every object of /api/v1/<resource>/, page by page."""
        rows, page = [], 0
        while True:
            result = self.request("GET", f"/api/v1/{resource}/", query={
                "columns": columns, "page": page, "page_size": 100})
            rows += result["result"]
            if len(result["result"]) < 100:
                return rows
            page += 1


def rison(value) -> str:
    """The subset of Rison (Superset's `q=` encoding) the calls here need."""
    if isinstance(value, bool):
        return "!t" if value else "!f"
    if value is None:
        return "!n"
    if isinstance(value, (int, float)):
        return json.dumps(value)
    if isinstance(value, str):
        safe = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                   "0123456789_-./~")
        if value and all(c in safe for c in value) and not (
                value[0].isdigit() or value[0] == "-"):
            return value
        return "'" + value.replace("!", "!!").replace("'", "!'") + "'"
    if isinstance(value, (list, tuple)):
        return "!(" + ",".join(rison(v) for v in value) + ")"
    if isinstance(value, dict):
        return "(" + ",".join(f"{rison(k)}:{rison(v)}"
                              for k, v in value.items()) + ")"
    raise TypeError(f"cannot encode {value!r} as rison")


def by_name(rows: list[dict], key: str, name: str) -> list[dict]:
    return [r for r in rows if r.get(key) == name]


def upsert(api: "Superset", kind: str, rows: list[dict], key: str, name: str,
           body: dict) -> int:
    """Update the one `kind` whose `key` is `name` with `body`, or create
    it: running provisioning again never makes a second one."""
    found = by_name(rows, key, name)
    if len(found) > 1:
        raise SupersetError(f"{len(found)} {kind}s named {name!r}")
    if found:
        object_id = found[0]["id"]
        api.request("PUT", f"/api/v1/{kind}/{object_id}", body)
        print(f"provision: {kind} {name!r} updated (id {object_id})")
    else:
        object_id = api.request("POST", f"/api/v1/{kind}/", body)["id"]
        print(f"provision: {kind} {name!r} created (id {object_id})")
    return object_id


# --- database and datasets ------------------------------------------------

def ensure_database(api: Superset, duckdb_path: Path) -> int:
    body = {
        "database_name": DATABASE_NAME,
        # duckdb-engine: four slashes and the absolute path.
        "sqlalchemy_uri": f"duckdb:///{duckdb_path.resolve()}",
        "expose_in_sqllab": True,
        "allow_dml": False,
        "allow_file_upload": False,
        "allow_ctas": False,
        "allow_cvas": False,
        "allow_run_async": False,
        "extra": json.dumps({
            # Read-only: the file is only ever read, and readers of other
            # processes (and build_and_swap.sh) are never locked out.
            # Sandboxed: SANDBOX_CONFIG.
            "engine_params": {"connect_args": {
                "read_only": True, "config": SANDBOX_CONFIG}},
            "metadata_params": {},
            "schemas_allowed_for_file_upload": [],
        }),
    }
    return upsert(api, "database", api.list("database", ["id", "database_name"]),
                  "database_name", DATABASE_NAME, body)


def ensure_dataset(api: Superset, existing: list[dict], database_id: int,
                   table_name: str, sql: str | None = None) -> int:
    found = [d for d in existing if d["table_name"] == table_name
             and d.get("schema") == SCHEMA
             and (d.get("database") or {}).get("id") == database_id]
    if len(found) > 1:
        raise SupersetError(f"{len(found)} datasets named {table_name!r}")
    if found:
        dataset_id = found[0]["id"]
        if sql is not None:
            api.request("PUT", f"/api/v1/dataset/{dataset_id}", {"sql": sql})
        # Columns as the mart has them now.
        api.request("PUT", f"/api/v1/dataset/{dataset_id}/refresh")
        print(f"provision: dataset {table_name!r} refreshed (id {dataset_id})")
    else:
        body = {"database": database_id, "schema": SCHEMA,
                "table_name": table_name}
        if sql is not None:
            body["sql"] = sql
        dataset_id = api.request("POST", "/api/v1/dataset/", body)["id"]
        print(f"provision: dataset {table_name!r} created (id {dataset_id})")
    return dataset_id


def dataset_columns(api: Superset, dataset_id: int) -> set[str]:
    result = api.request("GET", f"/api/v1/dataset/{dataset_id}")["result"]
    return {c["column_name"] for c in result["columns"]}


def column_values(api: Superset, dataset_id: int, column: str) -> list:
    return api.request(
        "GET", f"/api/v1/datasource/table/{dataset_id}/column/{column}/values/"
    )["result"]


def funnel_of(api: Superset, dataset_id: int, macro_goal: str) -> str:
    """The funnel of a macro goal, from its rows in the dataset
    fct_macro_conversion_rates."""
    filters = [eq_filter("goal_id", macro_goal)]
    context = query_context(dataset_id, {"adhoc_filters": filters},
                            {"columns": ["funnel_id"], "metrics": []})
    (result,) = api.request("POST", "/api/v1/chart/data", context)["result"]
    funnels = {row["funnel_id"] for row in result["data"]}
    if len(funnels) != 1:
        raise SupersetError(f"macro goal {macro_goal!r} is in "
                            f"fct_macro_conversion_rates with funnels "
                            f"{sorted(funnels)}: is the database built?")
    return funnels.pop()


# --- charts -----------------------------------------------------------------

def sql_metric(label: str, expression: str) -> dict:
    return {"expressionType": "SQL", "sqlExpression": expression,
            "label": label, "hasCustomLabel": True}


def sql_column(label: str, expression: str) -> dict:
    return {"expressionType": "SQL", "sqlExpression": expression,
            "label": label}


def eq_filter(column: str, value) -> dict:
    return {"expressionType": "SIMPLE", "clause": "WHERE", "subject": column,
            "operator": "==", "comparator": value}


def query_filters(adhoc_filters: list[dict]) -> list[dict]:
    return [{"col": f["subject"], "op": f["operator"], "val": f["comparator"]}
            for f in adhoc_filters]


def query_context(dataset_id: int, form_data: dict, query: dict) -> dict:
    """What the chart's data endpoint (/api/v1/chart/<id>/data/) runs: the
    query the chart's form data makes, as Superset's front end builds it."""
    base = {
        "filters": query_filters(form_data.get("adhoc_filters", [])),
        "extras": {"having": "", "where": ""},
        "applied_time_extras": {},
        "columns": [],
        "metrics": [],
        "orderby": [],
        "annotation_layers": [],
        "row_limit": form_data.get("row_limit", 10000),
        "series_limit": 0,
        "order_desc": True,
        "url_params": {},
        "custom_params": {},
        "custom_form_data": {},
    }
    base.update(query)
    return {
        "datasource": {"id": dataset_id, "type": "table"},
        "force": False,
        "queries": [base],
        "form_data": form_data,
        "result_format": "json",
        "result_type": "full",
    }


def temporal_range(column: str) -> dict:
    """The adhoc filter the dashboard's date range sets (Superset replaces
    the comparator of a chart's TEMPORAL_RANGE filters with the range)."""
    return {"expressionType": "SIMPLE", "clause": "WHERE", "subject": column,
            "operator": "TEMPORAL_RANGE", "comparator": "No filter"}


def with_date_range(name: str, built: tuple[int, dict, dict]
                    ) -> tuple[int, dict, dict]:
    """The chart, filtered by the dashboard's date range on its date column
    (DATE_COLUMNS); charts without one are left as they are."""
    if name not in DATE_COLUMNS:
        return built
    dataset_id, form_data, query = built
    filters = form_data.get("adhoc_filters", []) + [
        temporal_range(DATE_COLUMNS[name])]
    return dataset_id, dict(form_data, adhoc_filters=filters), query


# --- finality -----------------------------------------------------------------

def finality_marks(columns: set[str]) -> dict:
    """How the charts mark rows that are not final, from the columns a
    dataset has: SPEC section 4's is_final and final_after (on
    fct_macro_conversion_rates, fct_goal_conversion_rates and
    fct_funnel_steps). Without them, nothing is marked. With them:

    - metric: a series of the rate chart that holds the rate only where the
      row is not final, drawn as markers of its own in the legend's
      "Not final yet";
    - cohort_metric: a column of the funnel drop-off table, the cohort
      dates summed into its figures that are not final yet (their
      entrants can still convert).
    """
    if "is_final" not in columns:
        return {}
    return {
        "metric": sql_metric(
            "Not final yet",
            "MAX(CASE WHEN NOT is_final THEN conversion_rate END)"),
        "cohort_metric": sql_metric(
            "Cohort days not final yet",
            "COUNT(DISTINCT CASE WHEN NOT is_final THEN cohort_date END)"),
    }


def chart_rate(ds: dict[str, int], macro_goal: str,
               finality: dict | None = None) -> tuple[int, dict, dict]:
    dataset_id = ds["fct_macro_conversion_rates"]
    # Superset's line chart draws series named X__yhat_lower and
    # X__yhat_upper as a shaded band around series X (the band of its
    # forecasts): here the 95% Wilson interval of the mart.
    rate = "Conversion rate"
    metrics = [
        sql_metric(rate, "MAX(conversion_rate)"),
        # With a band, the series itself is drawn as points only: its
        # __yhat twin (the same values) draws the line through them.
        sql_metric(f"{rate}__yhat", "MAX(conversion_rate)"),
        sql_metric(f"{rate}__yhat_lower", "MAX(conversion_rate_ci_lower)"),
        sql_metric(f"{rate}__yhat_upper", "MAX(conversion_rate_ci_upper)"),
    ]
    if finality:
        metrics.append(finality["metric"])
    filters = [eq_filter("period_grain", "week"),
               eq_filter("goal_id", macro_goal)]
    form_data = {
        "viz_type": "echarts_timeseries_line",
        "datasource": f"{dataset_id}__table",
        "x_axis": "period_start",
        "time_grain_sqla": "P1W",
        "x_axis_sort_asc": True,
        "metrics": metrics,
        "groupby": [],
        "adhoc_filters": filters,
        "row_limit": 10000,
        "truncate_metric": True,
        "show_legend": True,
        "legendType": "scroll",
        "legendOrientation": "top",
        "x_axis_title": "week (Monday, UTC)",
        "x_axis_title_margin": 30,
        "x_axis_time_format": "%Y-%m-%d",
        "y_axis_format": ".1%",
        "y_axis_bounds": [0, None],
        "rich_tooltip": True,
        "markerEnabled": True,
        "markerSize": 6,
        "seriesType": "line",
        "only_total": True,
        "zoomable": False,
        "comparison_type": "values",
        "annotation_layers": [],
        "forecastEnabled": False,
    }
    query = {
        "columns": [{"timeGrain": "P1W", "columnType": "BASE_AXIS",
                     "sqlExpression": "period_start", "label": "period_start",
                     "expressionType": "SQL"}],
        "metrics": metrics,
        "orderby": [[metrics[0], False]],
        "series_columns": [],
        "time_offsets": [],
        "post_processing": [
            {"operation": "pivot", "options": {
                "index": ["period_start"], "columns": [],
                "aggregates": {m["label"]: {"operator": "mean"}
                               for m in metrics},
                "drop_missing_columns": False}},
            {"operation": "flatten"},
        ],
    }
    return dataset_id, form_data, query


def funnel_metrics() -> dict[str, dict]:
    return {
        "reached": sql_metric(
            "Visitors reached", f"SUM(visitors_reached) / {PER_SEGMENT_TYPE}"),
        "dropped": sql_metric(
            "Visitors dropped", f"SUM(visitors_dropped) / {PER_SEGMENT_TYPE}"),
        "rate_previous": sql_metric(
            "Rate from previous step",
            "SUM(visitors_reached) / NULLIF(SUM(visitors_at_previous_step), 0)"),
        # A funnel only loses visitors, so the largest reach is step 1's.
        "rate_first": sql_metric(
            "Rate from first step",
            "SUM(visitors_reached) / NULLIF(MAX(SUM(visitors_reached)) OVER (), 0)"),
        "step_order": sql_metric("Step order", "MIN(step_order)"),
    }


def chart_funnel(ds: dict[str, int], macro_funnel: str
                 ) -> tuple[int, dict, dict]:
    """The macro goal's funnel (one funnel: its steps' rates from the first
    step are within the funnel)."""
    dataset_id = ds["fct_funnel_steps_by_segment"]
    metric = funnel_metrics()["reached"]
    step = sql_column("Step", STEP_LABEL)
    form_data = {
        "viz_type": "funnel",
        "datasource": f"{dataset_id}__table",
        "groupby": [step],
        "metric": metric,
        "adhoc_filters": [eq_filter("funnel_id", macro_funnel)],
        "row_limit": 100,
        "sort_by_metric": True,
        # Each step's label: its name, count and rate from the step before.
        "percent_calculation_type": "prev_step",
        "show_labels": True,
        "show_tooltip_labels": True,
        "label_type": FUNNEL_LABEL_KEY_VALUE_PERCENT,
        "tooltip_label_type": FUNNEL_LABEL_KEY_VALUE_PERCENT,
        "number_format": ",d",
        "show_legend": False,
    }
    query = {"columns": [step], "metrics": [metric],
             "orderby": [[metric, False]]}
    return dataset_id, form_data, query


def chart_dropoff(ds: dict[str, int], macro_funnel: str,
                  finality: dict | None = None) -> tuple[int, dict, dict]:
    """The counts and rates of the macro goal's funnel, step by step."""
    dataset_id = ds["fct_funnel_steps_by_segment"]
    m = funnel_metrics()
    metrics = [m["reached"], m["dropped"], m["rate_previous"], m["rate_first"]]
    if finality:
        metrics.append(finality["cohort_metric"])
    groupby = [sql_column("Funnel", "funnel_name"),
               sql_column("Step", STEP_LABEL)]
    form_data = {
        "viz_type": "table",
        "datasource": f"{dataset_id}__table",
        "query_mode": "aggregate",
        "groupby": groupby,
        "metrics": metrics,
        "timeseries_limit_metric": m["step_order"],
        "order_desc": False,
        "all_columns": [],
        "percent_metrics": [],
        "adhoc_filters": [eq_filter("funnel_id", macro_funnel)],
        "row_limit": 1000,
        "server_pagination": False,
        "include_search": False,
        "show_cell_bars": True,
        "table_timestamp_format": "smart_date",
        "column_config": {
            "Visitors reached": {"d3NumberFormat": ",d"},
            "Visitors dropped": {"d3NumberFormat": ",d"},
            "Rate from previous step": {"d3NumberFormat": ".1%"},
            "Rate from first step": {"d3NumberFormat": ".1%"},
        },
    }
    query = {"columns": groupby, "metrics": metrics,
             "orderby": [[m["step_order"], True]], "order_desc": False,
             "post_processing": []}
    return dataset_id, form_data, query


def raw_table_chart(dataset_id: int, columns: list[tuple[str, str]],
                    order: list, row_limit: int, include_search: bool,
                    number_formats: dict[str, str],
                    filters: list[dict] | None = None
                    ) -> tuple[int, dict, dict]:
    """A table chart of a dataset's rows as they are (no aggregation), each
    column a (label in words, SQL expression) pair."""
    labelled = [sql_column(label, expression) for label, expression in columns]
    form_data = {
        "viz_type": "table",
        "datasource": f"{dataset_id}__table",
        "query_mode": "raw",
        "all_columns": labelled,
        "order_by_cols": [json.dumps(o) for o in order],
        "adhoc_filters": filters or [],
        "row_limit": row_limit,
        "server_pagination": False,
        "include_search": include_search,
        "column_config": {label: {"d3NumberFormat": number_format}
                          for label, number_format in number_formats.items()},
    }
    # No metrics (None, not []): Superset groups by the columns otherwise.
    query = {"columns": labelled, "metrics": None, "orderby": order,
             "post_processing": []}
    return dataset_id, form_data, query


MONTH = ("Month", "strftime(period_start, '%Y-%m')")


def lift_columns(funnel_steps: bool) -> list[tuple[str, str]]:
    if funnel_steps:
        return [
            MONTH,
            ("Funnel step", "micro_goal_name"),
            ("Macro goal", "macro_goal_name"),
            ("Went on to the macro goal", "with_micro_macro_rate"),
            ("Macro rate of the others", "without_micro_macro_rate"),
            ("Visitors at the step", "visitors_with_micro"),
            ("Lift (large by construction)", "lift"),
            ("Kind of goal", sql_case("micro_goal_role", ROLE_LABELS)),
        ]
    return [
        MONTH,
        ("Micro goal", "micro_goal_name"),
        ("Macro goal", "macro_goal_name"),
        ("Lift (times as likely)", "lift"),
        ("Macro rate with the micro goal", "with_micro_macro_rate"),
        ("Macro rate without it", "without_micro_macro_rate"),
        ("Visitors with the micro goal", "visitors_with_micro"),
        ("Visitors without it", "visitors_without_micro"),
        ("Kind of goal", sql_case("micro_goal_role", ROLE_LABELS)),
    ]


def chart_lift(ds: dict[str, int], macro_goal: str,
               funnel_steps: bool = False) -> tuple[int, dict, dict]:
    """Toward the macro goal: the lift of the standalone micro goals (in no
    funnel), or (with funnel_steps) of funnel steps, which are kept apart:
    the lift of the funnel's own steps is its progression, large by
    construction, and so is that of another funnel's steps when they are
    the same events (the bundled funnels share add_to_cart and
    begin_checkout)."""
    role = {"expressionType": "SIMPLE", "clause": "WHERE",
            "subject": "micro_goal_role",
            "operator": "!=" if funnel_steps else "==",
            "comparator": "standalone"}
    columns = lift_columns(funnel_steps)
    formats = {label: ".1%" for label, column in columns
               if column.endswith("_rate")}
    formats.update({label: ".2f" for label, column in columns
                    if column == "lift"})
    return raw_table_chart(
        ds["fct_micro_macro_lift"], columns,
        order=[["period_start", False], ["lift", False]], row_limit=1000,
        include_search=not funnel_steps, number_formats=formats,
        filters=[eq_filter("macro_goal_id", macro_goal), role])


TIMING_COLUMNS = [
    ("Cohort month", "strftime(cohort_month, '%Y-%m')"),
    ("Funnel", "funnel_name"),
    ("Step", STEP_LABEL),
    ("Visitors timed", "visitors_timed"),
    ("Median hours from previous step", "median_hours_from_previous_step"),
    ("90% within (hours)", "p90_hours_from_previous_step"),
    ("Median hours from step 1", "median_hours_from_first_step"),
    ("Median seconds from previous step", "median_seconds_from_previous_step"),
]


def chart_timing(ds: dict[str, int]) -> tuple[int, dict, dict]:
    hours = [label for label, column in TIMING_COLUMNS
             if "_hours_" in column]
    formats = {label: ",.2f" for label in hours}
    formats["Median seconds from previous step"] = ",.0f"
    return raw_table_chart(
        ds["fct_funnel_step_timing"], TIMING_COLUMNS,
        order=[["cohort_month", False], ["funnel_id", True],
               ["step_order", True]],
        row_limit=1000, include_search=False, number_formats=formats)


DIAGNOSIS_COLUMNS = [
    ("Funnel", "funnel_name"),
    ("Week (Monday)", "strftime(week_start, '%Y-%m-%d')"),
    ("Diagnosis", "diagnosis_label"),
    ("Final?", "CASE WHEN is_final THEN 'final' ELSE "
               "'not yet: late events and conversions can still change it' END"),
    ("Share entering the funnel", "entry_rate"),
    ("The 4 weeks before", "trailing_entry_rate"),
    ("Macro rate of the week's new entrants", "macro_rate"),
    ("Macro rate, 4 weeks before", "trailing_macro_rate"),
    ("Largest drop-off at", "largest_dropoff_goal_name"),
    ("Visitors lost there", "largest_dropoff_visitors"),
]


def chart_diagnosis(ds: dict[str, int]) -> tuple[int, dict, dict]:
    rates = ["Share entering the funnel", "The 4 weeks before",
             "Macro rate of the week's new entrants",
             "Macro rate, 4 weeks before"]
    return raw_table_chart(
        ds[LATEST_DIAGNOSIS], DIAGNOSIS_COLUMNS,
        order=[["funnel_name", True]], row_limit=100, include_search=False,
        number_formats={rate: ".1%" for rate in rates})


def build_charts(ds: dict[str, int], macro_goal: str,
                 finality: dict[str, dict] | None = None, *,
                 macro_funnel: str) -> dict[str, tuple[int, dict, dict]]:
    """Every chart's (dataset id, form data, query), by name, each with the
    dashboard's date range on its date column. The rate, funnel and lift
    charts are the macro goal's and its funnel's (macro_funnel); timing and
    diagnosis show every funnel. `finality`: finality_marks of each
    dataset, by table name."""
    finality = finality or {}
    built = {
        CHART_RATE: chart_rate(ds, macro_goal,
                               finality.get("fct_macro_conversion_rates")),
        CHART_FUNNEL: chart_funnel(ds, macro_funnel),
        CHART_DROPOFF: chart_dropoff(
            ds, macro_funnel, finality.get("fct_funnel_steps_by_segment")),
        CHART_TIMING: chart_timing(ds),
        CHART_LIFT: chart_lift(ds, macro_goal),
        CHART_LIFT_STEPS: chart_lift(ds, macro_goal, funnel_steps=True),
        CHART_DIAGNOSIS: chart_diagnosis(ds),
    }
    assert list(built) == CHART_NAMES
    return {name: with_date_range(name, chart) for name, chart in built.items()}


def ensure_chart(api: Superset, existing: list[dict], name: str,
                 built: tuple[int, dict, dict], dashboard_id: int) -> dict:
    dataset_id, form_data, query = built
    form_data = dict(form_data, slice_name=name)
    body = {
        "slice_name": name,
        "viz_type": form_data["viz_type"],
        "datasource_id": dataset_id,
        "datasource_type": "table",
        "params": json.dumps(form_data),
        "query_context": json.dumps(query_context(dataset_id, form_data,
                                                  query)),
        "query_context_generation": True,
        "dashboards": [dashboard_id],
    }
    chart_id = upsert(api, "chart", existing, "slice_name", name, body)
    chart = api.request("GET", f"/api/v1/chart/{chart_id}")["result"]
    return {"id": chart_id, "uuid": chart.get("uuid"), "name": name}


# --- dashboard ----------------------------------------------------------------

INTRO = """\
#### Conversions

From the dbt project's marts (schema `marts` of the DuckDB file, opened
read-only). Rates are distinct human visitors; bands are 95% Wilson
intervals.

- **Date range** (left) keeps the weeks, months and funnel cohorts that
  start in it (the latest diagnosis stays the latest week).
- The rate, the funnel and the lift are one macro goal's and its
  funnel's; timing and diagnosis list every funnel.
- **Segment type / Segment** split the funnel charts by the device,
  channel or landing page at funnel entry.
- Lift: standalone micro goals are the signal; funnel steps are apart,
  their lift is large by construction.
- Not final yet (rate chart markers, the drop-off table's last column,
  the diagnosis's "Final?"): late events or conversions can still change
  these figures; a week is final once the data pass its end plus the
  late-event lookback (a funnel cohort: plus its window).
"""


def layout(charts: dict[str, dict]) -> dict:
    """position_json: rows of (component, width) on a 12-column grid."""
    rows = [
        [(CHART_RATE, 8, 60), ("MARKDOWN-intro", 4, 60)],
        [(CHART_FUNNEL, 5, 60), (CHART_DROPOFF, 7, 60)],
        [(CHART_TIMING, 12, 60)],
        [(CHART_LIFT, 12, 60)],
        [(CHART_LIFT_STEPS, 12, 60)],
        [(CHART_DIAGNOSIS, 12, 44)],
    ]
    position = {
        "DASHBOARD_VERSION_KEY": "v2",
        "ROOT_ID": {"type": "ROOT", "id": "ROOT_ID", "children": ["GRID_ID"]},
        "GRID_ID": {"type": "GRID", "id": "GRID_ID", "children": [],
                    "parents": ["ROOT_ID"]},
        "HEADER_ID": {"type": "HEADER", "id": "HEADER_ID",
                      "meta": {"text": DASHBOARD_TITLE}},
    }
    for r, row in enumerate(rows, start=1):
        row_id = f"ROW-{r}"
        position["GRID_ID"]["children"].append(row_id)
        position[row_id] = {
            "type": "ROW", "id": row_id, "children": [],
            "parents": ["ROOT_ID", "GRID_ID"],
            "meta": {"background": "BACKGROUND_TRANSPARENT"},
        }
        for name, width, height in row:
            parents = ["ROOT_ID", "GRID_ID", row_id]
            if name.startswith("MARKDOWN-"):
                component_id = name
                position[component_id] = {
                    "type": "MARKDOWN", "id": component_id, "children": [],
                    "parents": parents,
                    "meta": {"width": width, "height": height,
                             "code": INTRO},
                }
            else:
                chart = charts[name]
                component_id = f"CHART-{chart['id']}"
                position[component_id] = {
                    "type": "CHART", "id": component_id, "children": [],
                    "parents": parents,
                    "meta": {"width": width, "height": height,
                             "chartId": chart["id"], "sliceName": name,
                             "uuid": chart["uuid"]},
                }
            position[row_id]["children"].append(component_id)
    return position


def native_filters(ds: dict[str, int], charts: dict[str, dict]) -> list[dict]:
    dataset_id = ds["fct_funnel_steps_by_segment"]
    in_scope = [charts[CHART_FUNNEL]["id"], charts[CHART_DROPOFF]["id"]]
    excluded = [c["id"] for c in charts.values() if c["id"] not in in_scope]

    def select(filter_id: str, name: str, column: str, parents: list[str],
               description: str) -> dict:
        return {
            "id": filter_id,
            "name": name,
            "type": "NATIVE_FILTER",
            "filterType": "filter_select",
            "targets": [{"datasetId": dataset_id, "column": {"name": column}}],
            "defaultDataMask": {"extraFormData": {}, "filterState": {},
                                "ownState": {}},
            "controlValues": {
                "enableEmptyFilter": False, "defaultToFirstItem": False,
                "multiSelect": False, "searchAllOptions": False,
                "inverseSelection": False, "sortAscending": True,
            },
            "cascadeParentIds": parents,
            "scope": {"rootPath": ["ROOT_ID"], "excluded": excluded},
            "chartsInScope": in_scope,
            "tabsInScope": [],
            "description": description,
        }

    dated = [charts[name]["id"] for name in DATE_COLUMNS]
    date_range = {
        "id": DATE_RANGE_FILTER_ID,
        "name": "Date range",
        "type": "NATIVE_FILTER",
        "filterType": "filter_time",
        "targets": [{}],
        "defaultDataMask": {"extraFormData": {}, "filterState": {},
                            "ownState": {}},
        "controlValues": {"enableEmptyFilter": False},
        "cascadeParentIds": [],
        "scope": {"rootPath": ["ROOT_ID"],
                  "excluded": [c["id"] for c in charts.values()
                               if c["id"] not in dated]},
        "chartsInScope": dated,
        "tabsInScope": [],
        "description": "Weeks, months and funnel cohorts starting in the "
                       "range (UTC)",
    }
    return [
        date_range,
        select("NATIVE_FILTER-segment-type", "Segment type", "segment_type",
               [], "device_type, channel or landing_page, at funnel entry"),
        select("NATIVE_FILTER-segment", "Segment", "segment_value",
               ["NATIVE_FILTER-segment-type"],
               "One device, channel or landing page; none: every visitor"),
    ]


def ensure_dashboard(api: Superset) -> int:
    found = by_name(api.list("dashboard", ["id", "dashboard_title", "slug"]),
                    "slug", DASHBOARD_SLUG)
    if len(found) > 1:
        raise SupersetError(f"{len(found)} dashboards with slug {DASHBOARD_SLUG!r}")
    if found:
        return found[0]["id"]
    dashboard_id = api.request("POST", "/api/v1/dashboard/", {
        "dashboard_title": DASHBOARD_TITLE, "slug": DASHBOARD_SLUG,
        "published": True})["id"]
    print(f"provision: dashboard {DASHBOARD_TITLE!r} created (id {dashboard_id})")
    return dashboard_id


# --- the viewer -------------------------------------------------------------

def dataset_permission(view_menu: str, dataset_ids: set[int]) -> bool:
    """Is the view menu of a datasource_access one of these datasets of
    DATABASE_NAME? Superset names it "[database].[table](id:N)"."""
    if not view_menu.startswith(f"[{DATABASE_NAME}]."):
        return False
    tail = view_menu.rsplit("(id:", 1)
    return (len(tail) == 2 and tail[1].endswith(")")
            and tail[1][:-1].isdigit() and int(tail[1][:-1]) in dataset_ids)


def ensure_viewer(api: Superset, datasets: dict[str, int],
                  password: str) -> dict:
    """The role VIEWER_ROLE, its permissions set to exactly VIEWER_PERMISSIONS
    and datasource_access to `datasets`, and the user VIEWER_USERNAME with
    that role only and `password` (set again on every run, so the password
    file is always the one that works)."""
    pvms = api.list("security/permissions-resources",
                    ["id", "permission.name", "view_menu.name"])
    index = {(p["permission"]["name"], p["view_menu"]["name"]): p["id"]
             for p in pvms}
    missing = [pair for pair in VIEWER_PERMISSIONS if pair not in index]
    if missing:
        raise SupersetError(f"permissions missing in this Superset: {missing}")
    wanted = {index[pair] for pair in VIEWER_PERMISSIONS}
    data = {pvm_id for (permission, view_menu), pvm_id in index.items()
            if permission == "datasource_access"
            and dataset_permission(view_menu, set(datasets.values()))}
    if len(data) != len(set(datasets.values())):
        raise SupersetError(f"datasource_access for {len(data)} of the "
                            f"{len(datasets)} datasets")
    wanted |= data

    role_id = upsert_named(api, "security/roles", "name", VIEWER_ROLE,
                           {"name": VIEWER_ROLE})
    api.request("POST", f"/api/v1/security/roles/{role_id}/permissions",
                {"permission_view_menu_ids": sorted(wanted)})
    user = {"first_name": "Dashboard", "last_name": "Viewer",
            "username": VIEWER_USERNAME, "email": "viewer@localhost",
            "active": True, "roles": [role_id], "password": password}
    user_id = upsert_named(api, "security/users", "username",
                           VIEWER_USERNAME, user)
    print(f"provision: role {VIEWER_ROLE!r}: {len(wanted)} permissions; "
          f"user {VIEWER_USERNAME!r} has it alone")
    return {"role_id": role_id, "user_id": user_id}


def upsert_named(api: Superset, resource: str, key: str, name: str,
                 body: dict) -> int:
    """upsert() for FAB's security API (its list takes no `columns` of a
    nested object and pages the same way)."""
    rows = api.list(resource, ["id", key])
    found = by_name(rows, key, name)
    if found:
        object_id = found[0]["id"]
        api.request("PUT", f"/api/v1/{resource}/{object_id}", body)
        print(f"provision: {resource} {name!r} updated (id {object_id})")
        return object_id
    object_id = api.request("POST", f"/api/v1/{resource}/", body)["id"]
    print(f"provision: {resource} {name!r} created (id {object_id})")
    return object_id


def provision(api: Superset, duckdb_path: Path,
              macro_goal: str | None = None,
              viewer_password: str | None = None) -> dict:
    database_id = ensure_database(api, duckdb_path)
    existing = api.list("dataset", ["id", "table_name", "schema",
                                    "database.id"])
    datasets = {t: ensure_dataset(api, existing, database_id, t)
                for t in PHYSICAL_DATASETS}
    datasets[LATEST_DIAGNOSIS] = ensure_dataset(
        api, existing, database_id, LATEST_DIAGNOSIS, LATEST_DIAGNOSIS_SQL)

    if macro_goal is None:
        goals = sorted(column_values(
            api, datasets["fct_macro_conversion_rates"], "goal_id"))
        if not goals:
            raise SupersetError("fct_macro_conversion_rates has no goal: "
                                "is the database built?")
        macro_goal = goals[0]
    macro_funnel = funnel_of(api, datasets["fct_macro_conversion_rates"],
                             macro_goal)

    dashboard_id = ensure_dashboard(api)
    existing_charts = api.list("chart", ["id", "slice_name"])
    finality = {table: finality_marks(dataset_columns(api, dataset_id))
                for table, dataset_id in datasets.items()}
    built = build_charts(datasets, macro_goal, finality,
                         macro_funnel=macro_funnel)
    charts = {name: ensure_chart(api, existing_charts, name, built[name],
                                 dashboard_id)
              for name in CHART_NAMES}
    # Charts of earlier versions of this dashboard, under names it no
    # longer has: removed, so the dashboard holds exactly CHART_NAMES.
    for old in existing_charts:
        if old["slice_name"] in RETIRED_CHART_NAMES:
            api.request("DELETE", f"/api/v1/chart/{old['id']}")
            print(f"provision: chart {old['slice_name']!r} removed "
                  f"(id {old['id']})")

    metadata = {
        "native_filter_configuration": native_filters(datasets, charts),
        "chart_configuration": {},
        "color_scheme": "supersetColors",
        "refresh_frequency": 0,
        "timed_refresh_immune_slices": [],
        "expanded_slices": {},
        "cross_filters_enabled": False,
        "label_colors": {},
        "shared_label_colors": [],
        "color_scheme_domain": [],
    }
    api.request("PUT", f"/api/v1/dashboard/{dashboard_id}", {
        "dashboard_title": DASHBOARD_TITLE,
        "slug": DASHBOARD_SLUG,
        "published": True,
        "position_json": json.dumps(layout(charts)),
        "json_metadata": json.dumps(metadata),
    })
    print(f"provision: dashboard {DASHBOARD_TITLE!r} laid out (id {dashboard_id})")
    viewer = (ensure_viewer(api, datasets, viewer_password)
              if viewer_password is not None else None)
    return {"database_id": database_id, "datasets": datasets,
            "dashboard_id": dashboard_id,
            "charts": {n: c["id"] for n, c in charts.items()},
            "macro_goal": macro_goal, "macro_funnel": macro_funnel,
            "viewer": viewer}


def read_secret(path: str) -> str:
    """A password from a file, or from stdin for `-` (first line)."""
    if path == "-":
        return sys.stdin.readline().strip()
    return Path(path).read_text().strip()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:8088")
    parser.add_argument("--username", default="admin")
    parser.add_argument("--duckdb", required=True, type=Path,
                        help="the DuckDB file (opened read-only)")
    parser.add_argument("--macro-goal",
                        help="the macro goal_id to chart, with its funnel "
                             "(default: the first in "
                             "fct_macro_conversion_rates)")
    parser.add_argument("--password-file", required=True,
                        help="the file holding the user's password "
                             "(- for stdin)")
    parser.add_argument("--viewer-password-file",
                        help="create or update the viewer account with the "
                             "password in this file")
    parser.add_argument("--output", type=Path,
                        help="write the ids of what was provisioned here, "
                             "as JSON")
    args = parser.parse_args(argv)
    password = read_secret(args.password_file)
    if not password:
        parser.error(f"no password in {args.password_file}")
    viewer_password = None
    if args.viewer_password_file:
        viewer_password = read_secret(args.viewer_password_file)
        if not viewer_password:
            parser.error(f"no password in {args.viewer_password_file}")
    if not args.duckdb.is_file():
        parser.error(f"no DuckDB file at {args.duckdb}")
    started = time.monotonic()
    api = Superset(args.url, args.username, password)
    result = provision(api, args.duckdb, args.macro_goal, viewer_password)
    if args.output:
        args.output.write_text(json.dumps(result, indent=2) + "\n")
    print(f"provision: done in {time.monotonic() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
