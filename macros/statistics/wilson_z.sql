{#- The 95% Wilson score interval of a proportion: successes out of trials.

    With x = successes, n = trials, z = the 97.5% standard normal quantile:

        bound = (2x + z^2 -/+ z * sqrt(z^2 + 4x(n - x)/n)) / (2(n + z^2))

    (the usual centre +/- half-width form, multiplied out). Both macros take
    SQL expressions (column names, counts) as strings and return a SQL
    expression of type double:

    - null where trials is null or 0, where successes is null, and where
      successes is outside 0..trials (no proportion to bound);
    - the lower bound is exactly 0 at 0 successes and the upper bound exactly
      1 when every trial succeeded; otherwise both are kept within [0, 1]
      (greatest/least absorb float rounding).

    Inputs are cast to double, so integer counts never divide as integers.
    Only sqrt, greatest, least, cast and case: the same SQL runs on DuckDB
    and Spark SQL, so no dispatch. -#}

{#- z = Phi^-1(0.975), to double precision (scipy.stats.norm.ppf(0.975)). -#}
{% macro wilson_z() -%}
    cast(1.959963984540054 as double)
{%- endmacro %}
