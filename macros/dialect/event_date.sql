{#- The reporting date of a UTC timestamp. Dates are UTC (SPEC section 3);
    a reporting time zone (SPEC section 6) will change only this macro. -#}
{% macro event_date(timestamp_expr) -%}
    {{ return(adapter.dispatch('event_date', 'conversions')(timestamp_expr)) }}
{%- endmacro %}

{% macro default__event_date(timestamp_expr) -%}
    cast({{ timestamp_expr }} as date)
{%- endmacro %}
