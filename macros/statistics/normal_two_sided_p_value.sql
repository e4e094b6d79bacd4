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
