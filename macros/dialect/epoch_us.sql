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

{% macro timestamp_from_epoch_us(us_expr) -%}
    {{ return(adapter.dispatch('timestamp_from_epoch_us', 'conversions')(us_expr)) }}
{%- endmacro %}

{% macro default__timestamp_from_epoch_us(us_expr) -%}
    make_timestamp({{ us_expr }})
{%- endmacro %}

{% macro spark__timestamp_from_epoch_us(us_expr) -%}
    timestamp_micros({{ us_expr }})
{%- endmacro %}
