{% macro wilson_upper(successes, trials) -%}
    {{ return(wilson_bound(successes, trials, 'upper')) }}
{%- endmacro %}
