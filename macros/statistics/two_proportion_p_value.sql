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


{#- The z statistic of the pooled two-proportion test; null where the test
    is undefined (see above). A model can keep it in a column and pass that
    column to normal_two_sided_p_value, which keeps the SQL short. -#}
{% macro two_proportion_z(x1, n1, x2, n2) -%}
    {%- set x1 = 'cast((' ~ x1 ~ ') as double)' -%}
    {%- set n1 = 'cast((' ~ n1 ~ ') as double)' -%}
    {%- set x2 = 'cast((' ~ x2 ~ ') as double)' -%}
    {%- set n2 = 'cast((' ~ n2 ~ ') as double)' -%}
    {%- set pooled = '((' ~ x1 ~ ' + ' ~ x2 ~ ') / (' ~ n1 ~ ' + ' ~ n2 ~ '))' -%}
    {%- set se = 'sqrt(' ~ pooled ~ ' * (1 - ' ~ pooled ~ ') * (1 / ' ~ n1 ~ ' + 1 / ' ~ n2 ~ '))' -%}
    (case
        when {{ n1 }} is null or {{ n1 }} = 0 or {{ n2 }} is null or {{ n2 }} = 0 then null
        when {{ x1 }} is null or {{ x2 }} is null then null
        when {{ x1 }} < 0 or {{ x1 }} > {{ n1 }} or {{ x2 }} < 0 or {{ x2 }} > {{ n2 }} then null
        when {{ x1 }} + {{ x2 }} = 0 or {{ x1 }} + {{ x2 }} = {{ n1 }} + {{ n2 }} then null
        else ({{ x1 }} / {{ n1 }} - {{ x2 }} / {{ n2 }}) / {{ se }}
    end)
{%- endmacro %}


{#- erfc(|z| / sqrt 2) = 2 (1 - Phi(|z|)) by erfcc (above); null for null z. -#}
{% macro normal_two_sided_p_value(z) -%}
    {#- a = |z| / sqrt 2, so a^2 = z^2 / 2 and t = 1 / (1 + |z| / (2 sqrt 2)). -#}
    {%- set t = '(1 / (1 + 0.35355339059327373 * abs(' ~ z ~ ')))' -%}
    {%- set coefficients = [
        1.00002368, 0.37409196, 0.09678418, -0.18628806, 0.27886807,
        -1.13520398, 1.48851587, -0.82215223, 0.17087277] -%}
    {#- Horner, innermost last: c0 + t (c1 + t (... + t c8)). -#}
    {%- set ns = namespace(poly=coefficients[-1] | string) -%}
    {%- for c in coefficients[:-1] | reverse -%}
        {%- set ns.poly = '(' ~ c ~ ' + ' ~ t ~ ' * ' ~ ns.poly ~ ')' -%}
    {%- endfor -%}
    {#- greatest and least skip nulls, so a null z is caught first -#}
    (case when {{ z }} is not null then greatest(cast(0.0 as double), least(
        cast(1.0 as double),
        {{ t }} * exp(-({{ z }} * {{ z }}) / 2 - 1.26551223 + {{ t }} * {{ ns.poly }})
    )) end)
{%- endmacro %}
