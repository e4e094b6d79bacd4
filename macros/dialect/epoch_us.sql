{#- Microseconds since 1970-01-01 of a UTC timestamp: an integer to order
    and window on, the same on every engine; and back to a timestamp. -#}
{% macro epoch_us(timestamp_expr) -%}
    {{ return(adapter.dispatch('epoch_us', 'conversions')(timestamp_expr)) }}
{%- endmacro %}


{% macro default__epoch_us(timestamp_expr) -%}
    epoch_us({{ timestamp_expr }})
{%- endmacro %}


{% macro spark__epoch_us(timestamp_expr) -%}
    unix_micros({{ timestamp_expr }})
{%- endmacro %}
