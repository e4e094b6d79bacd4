{% macro timestamp_from_epoch_us(us_expr) -%}
    {{ return(adapter.dispatch('timestamp_from_epoch_us', 'conversions')(us_expr)) }}
{%- endmacro %}


{% macro default__timestamp_from_epoch_us(us_expr) -%}
    make_timestamp({{ us_expr }})
{%- endmacro %}


{% macro spark__timestamp_from_epoch_us(us_expr) -%}
    timestamp_micros({{ us_expr }})
{%- endmacro %}
