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

{#- The texts of a group joined by `separator`, in the order of `order_by`. -#}
{% macro ordered_string_agg(expr, separator, order_by) -%}
    {{ return(adapter.dispatch('ordered_string_agg', 'conversions')(expr, separator, order_by)) }}
{%- endmacro %}

{% macro default__ordered_string_agg(expr, separator, order_by) -%}
    string_agg({{ expr }}, {{ separator }} order by {{ order_by }})
{%- endmacro %}

{% macro spark__ordered_string_agg(expr, separator, order_by) -%}
    string_agg({{ expr }}, {{ separator }}) within group (order by {{ order_by }})
{%- endmacro %}
