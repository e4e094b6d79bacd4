{#- A SQL expression that fails the query with `message_expr` (a text
    expression) as the error message. Used where a failing check must name
    the broken goal or funnel: a data test only prints a count. -#}
{% macro raise_error_sql(message_expr) -%}
    {{ return(adapter.dispatch('raise_error_sql', 'conversions')(message_expr)) }}
{%- endmacro %}


{% macro default__raise_error_sql(message_expr) -%}
    error({{ message_expr }})
{%- endmacro %}


{% macro spark__raise_error_sql(message_expr) -%}
    raise_error({{ message_expr }})
{%- endmacro %}
