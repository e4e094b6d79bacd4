{#- The UTC instant (a timestamp without zone, like every stored time) at
    which a reporting date begins: its midnight in the var
    reporting_timezone. Period ends and finality bounds are local midnights
    (SPEC section 6); where a zone skips midnight (a DST change at 00:00),
    the engine's next valid instant. -#}
{% macro local_midnight_utc(date_expr) -%}
    {%- set zone = reporting_timezone() -%}
    {%- if zone == 'UTC' -%}
        cast({{ date_expr }} as timestamp)
    {%- else -%}
        {{ return(adapter.dispatch('local_midnight_utc', 'conversions')(date_expr, zone)) }}
    {%- endif -%}
{%- endmacro %}

{% macro default__local_midnight_utc(date_expr, zone) -%}
    timezone('UTC', timezone('{{ zone }}', cast({{ date_expr }} as timestamp)))
{%- endmacro %}

{% macro spark__local_midnight_utc(date_expr, zone) -%}
    to_utc_timestamp(cast({{ date_expr }} as timestamp), '{{ zone }}')
{%- endmacro %}
