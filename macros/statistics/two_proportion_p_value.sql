{#- Two-sided p-value of the pooled two-proportion z-test, H0: p1 = p2, for
    x1 successes out of n1 trials against x2 out of n2 (SQL expressions as
    strings; returns a SQL expression of type double):

        p  = (x1 + x2) / (n1 + n2)                    pooled proportion
        se = sqrt(p (1 - p) (1/n1 + 1/n2))
        z  = (x1/n1 - x2/n2) / se
        p-value = 2 (1 - Phi(|z|)) = erfc(|z| / sqrt 2)

    SQL has no normal CDF, so erfc is approximated by erfcc of Numerical
    Recipes (Press et al., Numerical Recipes in C, 2nd ed., section 6.2): a
    Chebyshev fit, for a >= 0, t = 1 / (1 + a/2),

        erfc(a) ~ t exp(-a^2 - 1.26551223 + t (1.00002368 + t (0.37409196
                  + t (0.09678418 + t (-0.18628806 + t (0.27886807
                  + t (-1.13520398 + t (1.48851587 + t (-0.82215223
                  + t 0.17087277)))))))))

    with fractional error below 1.2e-7 everywhere: the p-value is within
    1.2e-7 * p-value (so within 1.2e-7 absolute) of the exact one, tiny
    p-values included (down to ~1e-308, below which exp underflows to 0).
    integration/test_statistics.py checks it against scipy.

    Null where n1 or n2 is null or 0, where a count is null or successes lie
    outside 0..trials, and where se is 0 (x1 + x2 = 0 or = n1 + n2: both
    proportions 0 or both 1, the test is undefined). Inputs are cast to
    double, so integer counts never divide as integers. Only exp, sqrt, abs,
    greatest, least, cast and case: the same SQL runs on DuckDB and Spark
    SQL, so no dispatch. -#}
{% macro two_proportion_p_value(x1, n1, x2, n2) -%}
    {{ normal_two_sided_p_value(two_proportion_z(x1, n1, x2, n2)) }}
{%- endmacro %}
