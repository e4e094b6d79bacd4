{#- The reporting date of a UTC timestamp: its date in the var
    reporting_timezone (SPEC section 6; default UTC, the date as stored).
    Local days may last 23 or 25 hours; the time zone database is the
    engine's (DuckDB's ICU, Spark's Java). -#}
{% macro event_date(timestamp_expr) -%}
    {%- set zone = reporting_timezone() -%}
    {%- if zone == 'UTC' -%}
        cast({{ timestamp_expr }} as date)
    {%- else -%}
        {{ return(adapter.dispatch('event_date', 'conversions')(timestamp_expr, zone)) }}
    {%- endif -%}
{%- endmacro %}

{% macro default__event_date(timestamp_expr, zone) -%}
    cast(timezone('{{ zone }}', timezone('UTC', {{ timestamp_expr }})) as date)
{%- endmacro %}

{% macro spark__event_date(timestamp_expr, zone) -%}
    cast(from_utc_timestamp({{ timestamp_expr }}, '{{ zone }}') as date)
{%- endmacro %}
