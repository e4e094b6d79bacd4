{#- A timestamp as text to the microsecond, 'YYYY-MM-DD hh:mm:ss.ffffff':
    how file modification times are compared between builds. -#}
{% macro timestamp_text(timestamp_expr) -%}
    {{ return(adapter.dispatch('timestamp_text', 'conversions')(timestamp_expr)) }}
{%- endmacro %}

{% macro default__timestamp_text(timestamp_expr) -%}
    strftime({{ timestamp_expr }}, '%Y-%m-%d %H:%M:%S.%f')
{%- endmacro %}

{% macro spark__timestamp_text(timestamp_expr) -%}
    date_format({{ timestamp_expr }}, 'yyyy-MM-dd HH:mm:ss.SSSSSS')
{%- endmacro %}
