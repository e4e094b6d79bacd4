{% macro wilson_lower(successes, trials) -%}
    {{ return(wilson_bound(successes, trials, 'lower')) }}
{%- endmacro %}
