{#- The body shared by wilson_lower and wilson_upper; side: 'lower' or 'upper'. -#}
{% macro wilson_bound(successes, trials, side) -%}
    {%- if side not in ('lower', 'upper') -%}
        {{ exceptions.raise_compiler_error(
            "wilson_bound: side must be 'lower' or 'upper', got '" ~ side ~ "'") }}
    {%- endif -%}
    {%- set x = 'cast((' ~ successes ~ ') as double)' -%}
    {%- set n = 'cast((' ~ trials ~ ') as double)' -%}
    {%- set z = wilson_z() -%}
    {%- set sign = '-' if side == 'lower' else '+' -%}
    {%- set exact_at = x ~ ' = 0' if side == 'lower' else x ~ ' = ' ~ n -%}
    {%- set exact_value = '0.0' if side == 'lower' else '1.0' -%}
    (case
        when {{ n }} is null or {{ n }} = 0 or {{ x }} is null then null
        when {{ x }} < 0 or {{ x }} > {{ n }} then null
        when {{ exact_at }} then cast({{ exact_value }} as double)
        else greatest(cast(0.0 as double), least(cast(1.0 as double),
            (2 * {{ x }} + {{ z }} * {{ z }}
                {{ sign }} {{ z }} * sqrt({{ z }} * {{ z }} + 4 * {{ x }} * ({{ n }} - {{ x }}) / {{ n }}))
            / (2 * ({{ n }} + {{ z }} * {{ z }}))
        ))
    end)
{%- endmacro %}
