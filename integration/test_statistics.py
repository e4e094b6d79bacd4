"""The statistics macros against scipy.

`wilson_lower` / `wilson_upper` (macros/wilson_interval.sql) and
`two_proportion_p_value` (macros/two_proportion_p_value.sql) are rendered
once with `dbt compile --inline` (column names as arguments), and the
compiled SQL is evaluated by DuckDB over one table holding every input: a
grid with the edges (0 successes, all successes, 1 trial, a million trials),
a few thousand seeded random counts, p-values from 1 down to ~1e-300 and
past underflow, and the undefined cases, which must be null. The results
must match scipy to 1e-6 absolute.
"""
from __future__ import annotations

import json
import re

import duckdb
import numpy as np
import pyarrow as pa
import pytest
from scipy import stats

from conftest import run_dbt

TOLERANCE = 1e-6
TRIALS = [1, 2, 5, 10, 100, 10_000, 1_000_000]
INPUT_COLUMNS = ["kind", "x", "n", "x1", "n1", "x2", "n2"]
INLINE_SQL = """
select
    *,
    {{ wilson_lower('x', 'n') }} as wilson_lower,
    {{ wilson_upper('x', 'n') }} as wilson_upper,
    {{ two_proportion_p_value('x1', 'n1', 'x2', 'n2') }} as p_value
from statistics_inputs
"""
# What the macros may call: SQL that DuckDB and Spark SQL both have.
PORTABLE_FUNCTIONS = {"cast", "sqrt", "greatest", "least", "exp", "abs"}


def compiled_sql(output: str) -> str:
    """The compiled SQL of `dbt compile --inline --quiet --output json`,
    or else the block after dbt's `Compiled inline node is:` line."""
    decoder = json.JSONDecoder()
    for match in re.finditer(r"^\{", output, flags=re.MULTILINE):
        try:
            obj, _ = decoder.raw_decode(output, match.start())
        except json.JSONDecodeError:
            continue
        if isinstance(obj, dict) and isinstance(obj.get("compiled"), str):
            return obj["compiled"]
    marker = "Compiled inline node is:"
    if marker in output:
        return output.split(marker, 1)[1].strip()
    raise AssertionError(f"no compiled SQL in dbt's output:\n{output[-3000:]}")


def wilson_inputs(rng: np.random.Generator) -> list[tuple]:
    rows = []
    for n in TRIALS:
        xs = set(range(n + 1)) if n <= 100 else {
            0, 1, 2, 3, 10, n // 3, n // 2, n - 10, n - 3, n - 2, n - 1, n}
        rows += [(x, n) for x in sorted(xs)]
    n = np.unique(np.round(10 ** rng.uniform(0, 6, 4000)).astype(np.int64))
    n = rng.choice(n, 3000)
    x = np.floor(rng.uniform(0, 1, n.size) * (n + 1)).astype(np.int64)
    rows += list(zip(x.tolist(), n.tolist()))
    return [("wilson", x, n, None, None, None, None) for x, n in rows]


def p_value_inputs(rng: np.random.Generator) -> list[tuple]:
    rows = [
        # equal rates: z = 0, p-value 1
        (10, 100, 10, 100), (50, 100, 500, 1000), (3, 10, 30, 100),
        (1, 2, 1, 2), (1, 1_000_000, 1, 1_000_000), (990_000, 1_000_000, 99, 100),
        # x1 = 0 against x2 > 0
        (0, 100, 5, 100), (0, 10, 1, 10), (0, 1, 1, 1), (0, 1_000_000, 1, 1_000_000),
        (0, 5, 5, 5), (0, 10_000, 9_999, 10_000), (3, 10, 0, 2),
        # all converters in one period (not both)
        (100, 100, 90, 100), (10, 10, 0, 10), (1_000_000, 1_000_000, 999_000, 1_000_000),
        (2, 2, 1, 5),
        # extreme: p-value past underflow (0)
        (1_000_000, 1_000_000, 0, 1_000_000), (9_000, 10_000, 1_000, 10_000),
        # small samples
        (1, 1, 0, 1), (1, 2, 0, 1), (2, 5, 3, 5), (1, 10, 9, 10),
    ]
    # p-values from ~1e-15 through ~1e-300 to underflow
    rows += [(5_000, 10_000, x2, 10_000) for x2 in range(2_350, 4_000, 10)]
    rows += [(x1, 1_000_000, 500_000, 1_000_000) for x1 in range(
        470_000, 500_001, 1_000)]
    # a grid of trials and successes
    for n1 in TRIALS:
        for n2 in TRIALS:
            for f1 in (0.0, 0.1, 0.5, 1.0):
                for f2 in (0.0, 0.3, 1.0):
                    rows.append((round(f1 * n1), n1, round(f2 * n2), n2))
    # seeded random pairs of periods, some with close rates
    size = 3000
    n1 = np.round(10 ** rng.uniform(0, 6, size)).astype(np.int64)
    n2 = np.round(10 ** rng.uniform(0, 6, size)).astype(np.int64)
    rate1 = rng.uniform(0, 1, size)
    close = rng.uniform(0, 1, size) < 0.5
    rate2 = np.where(close, np.clip(rate1 + rng.normal(0, 0.01, size), 0, 1),
                     rng.uniform(0, 1, size))
    x1 = np.round(rate1 * n1).astype(np.int64)
    x2 = np.round(rate2 * n2).astype(np.int64)
    rows += list(zip(x1.tolist(), n1.tolist(), x2.tolist(), n2.tolist()))
    return [("p_value", None, None, *row) for row in rows]


UNDEFINED_INPUTS = [
    # Wilson: no trials, a null count, successes outside 0..trials
    ("wilson_null", 0, 0, None, None, None, None),
    ("wilson_null", 3, 0, None, None, None, None),
    ("wilson_null", None, 10, None, None, None, None),
    ("wilson_null", 3, None, None, None, None, None),
    ("wilson_null", None, None, None, None, None, None),
    ("wilson_null", 11, 10, None, None, None, None),
    ("wilson_null", -1, 10, None, None, None, None),
    # p-value: a period without trials, a null count, se = 0 (both
    # proportions 0 or both 1), successes outside 0..trials
    ("p_value_null", None, None, 0, 0, 5, 10),
    ("p_value_null", None, None, 5, 10, 0, 0),
    ("p_value_null", None, None, 0, 0, 0, 0),
    ("p_value_null", None, None, 1, None, 5, 10),
    ("p_value_null", None, None, 1, 10, 5, None),
    ("p_value_null", None, None, None, 10, 5, 10),
    ("p_value_null", None, None, 1, 10, None, 10),
    ("p_value_null", None, None, 0, 100, 0, 1000),
    ("p_value_null", None, None, 0, 1, 0, 1),
    ("p_value_null", None, None, 0, 1_000_000, 0, 1_000_000),
    ("p_value_null", None, None, 100, 100, 1000, 1000),
    ("p_value_null", None, None, 1, 1, 1, 1),
    ("p_value_null", None, None, 1_000_000, 1_000_000, 5, 5),
    ("p_value_null", None, None, 11, 10, 5, 10),
    ("p_value_null", None, None, 1, 10, -5, 10),
]


def wilson_reference(x: np.ndarray, n: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The Wilson score interval, centre +/- half-width form."""
    z = stats.norm.ppf(0.975)
    p = x / n
    denominator = 1 + z**2 / n
    centre = (p + z**2 / (2 * n)) / denominator
    half = z / denominator * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2))
    return np.clip(centre - half, 0, 1), np.clip(centre + half, 0, 1)


def p_value_reference(x1, n1, x2, n2) -> np.ndarray:
    """2 (1 - Phi(|z|)) of the pooled two-proportion z-test, by scipy."""
    pooled = (x1 + x2) / (n1 + n2)
    se = np.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    z = (x1 / n1 - x2 / n2) / se
    return 2 * stats.norm.sf(np.abs(z))


@pytest.fixture(scope="module")
def compiled(tmp_path_factory) -> str:
    """The macros rendered once, for every input (no models are built)."""
    result = run_dbt(
        ["compile", "--quiet", "--output", "json", "--no-populate-cache",
         "--no-version-check", "--inline", INLINE_SQL],
        work_dir=tmp_path_factory.mktemp("statistics"),
    ).check()
    return compiled_sql(result.output)


@pytest.fixture(scope="module")
def results(compiled) -> dict[str, dict[str, np.ndarray]]:
    """The compiled SQL evaluated over every input, as arrays per kind."""
    rng = np.random.default_rng(20261021)
    rows = wilson_inputs(rng) + p_value_inputs(rng) + UNDEFINED_INPUTS
    # 32-bit counts: the macros must cast before they multiply or divide.
    statistics_inputs = pa.table({
        name: pa.array(values, pa.string() if name == "kind" else pa.int32())
        for name, values in zip(INPUT_COLUMNS, zip(*rows))
    })
    con = duckdb.connect()
    try:
        con.register("statistics_inputs", statistics_inputs)
        columns = con.execute(compiled).fetchnumpy()
    finally:
        con.close()
    kinds = np.asarray(columns["kind"], dtype=object)
    out = {}
    for kind in set(kinds.tolist()):
        mask = kinds == kind
        out[kind] = {name: np.ma.asarray(values)[mask] for name, values in columns.items()}
    return out


def as_float(values) -> np.ndarray:
    """A float array with nulls as NaN."""
    return np.ma.filled(np.ma.asarray(values, dtype=float), np.nan)


def test_macros_use_only_portable_sql(compiled):
    keywords = {"when", "then", "else", "and", "or", "not", "in", "as"}
    called = {name.lower() for name in re.findall(r"([A-Za-z_]\w*)\s*\(", compiled)}
    called -= keywords
    assert called <= PORTABLE_FUNCTIONS, called - PORTABLE_FUNCTIONS
    assert compiled.count("1.959963984540054") > 0


def test_wilson_closed_form_matches_scipy_binomtest():
    """The vectorised reference agrees with scipy's own Wilson interval."""
    rng = np.random.default_rng(7)
    pairs = [(0, 1), (1, 1), (0, 10), (10, 10), (0, 1_000_000), (1_000_000, 1_000_000)]
    n = rng.choice([1, 2, 5, 10, 100, 10_000, 1_000_000], 150)
    x = np.floor(rng.uniform(0, 1, n.size) * (n + 1)).astype(np.int64)
    pairs += list(zip(x.tolist(), n.tolist()))
    x, n = (np.array(c, dtype=float) for c in zip(*pairs))
    lower, upper = wilson_reference(x, n)
    for i, (xi, ni) in enumerate(pairs):
        ci = stats.binomtest(xi, ni).proportion_ci(confidence_level=0.95, method="wilson")
        assert abs(ci.low - lower[i]) <= 1e-12 and abs(ci.high - upper[i]) <= 1e-12, (xi, ni)


def test_wilson_bounds_match_scipy(results):
    r = results["wilson"]
    x, n = as_float(r["x"]), as_float(r["n"])
    lower, upper = as_float(r["wilson_lower"]), as_float(r["wilson_upper"])
    assert x.size > 3000 and not np.isnan(lower).any() and not np.isnan(upper).any()
    ref_lower, ref_upper = wilson_reference(x, n)
    error_lower = np.abs(lower - ref_lower).max()
    error_upper = np.abs(upper - ref_upper).max()
    print(f"wilson: {x.size} inputs, max |error| lower {error_lower:.3g}, "
          f"upper {error_upper:.3g}")
    assert error_lower <= TOLERANCE and error_upper <= TOLERANCE
    # exact at the edges, and always a proper interval in [0, 1]
    assert (lower[x == 0] == 0).all() and (upper[x == n] == 1).all()
    assert ((0 <= lower) & (lower <= x / n) & (x / n <= upper) & (upper <= 1)).all()
    assert ((lower > 0) == (x > 0)).all() and ((upper < 1) == (x < n)).all()
    # the inputs cover the edges
    assert set(TRIALS) <= set(n.astype(int).tolist())
    assert ((x == 0) & (n > 1)).any() and ((x == n) & (n > 1)).any()


def test_wilson_is_null_where_undefined(results):
    r = results["wilson_null"]
    assert r["wilson_lower"].mask.all() and r["wilson_upper"].mask.all()


def test_p_value_matches_scipy(results):
    r = results["p_value"]
    x1, n1, x2, n2 = (as_float(r[c]) for c in ("x1", "n1", "x2", "n2"))
    p_value = as_float(r["p_value"])
    defined = (x1 + x2 > 0) & (x1 + x2 < n1 + n2)
    # the generated inputs hold some undefined cases too: null exactly there
    assert (np.isnan(p_value) == ~defined).all()
    x1, n1, x2, n2, p_value = (a[defined] for a in (x1, n1, x2, n2, p_value))
    reference = p_value_reference(x1, n1, x2, n2)
    error = np.abs(p_value - reference)
    tail = reference >= 1e-300
    relative = (error[tail] / reference[tail]).max()
    print(f"p-value: {x1.size} inputs, max |error| {error.max():.3g}, "
          f"max relative error {relative:.3g} (p-value >= 1e-300), "
          f"smallest positive reference {reference[reference > 0].min():.3g}")
    assert error.max() <= TOLERANCE
    assert relative <= TOLERANCE
    assert ((0 <= p_value) & (p_value <= 1)).all()
    # the inputs cover the whole range: z = 0, ~1e-300, and past underflow
    assert (reference == 1).any() and (reference == 0).any()
    assert ((reference > 0) & (reference < 1e-290)).any()
    assert ((x1 == 0) & (x2 > 0)).any() and ((x1 == n1) & (x2 < n2)).any()


def test_p_value_is_null_where_undefined(results):
    assert results["p_value_null"]["p_value"].mask.all()
