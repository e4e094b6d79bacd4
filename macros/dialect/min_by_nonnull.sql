{#- The value of `value_expr` on the row with the smallest `order_exprs`
    (a list, compared in order) among the group's rows where the value is
    not null, and `where` holds when given. DuckDB's arg_min skips null
    values by itself; Spark's min_by does not, so it gets the filter. -#}
{% macro min_by_nonnull(value_expr, order_exprs, where=none) -%}
    {{ return(adapter.dispatch('min_by_nonnull', 'conversions')(value_expr, order_exprs, where)) }}
{%- endmacro %}

{% macro default__min_by_nonnull(value_expr, order_exprs, where) -%}
    arg_min({{ value_expr }}, struct_pack({{ order_exprs | join(', ') }}))
    {%- if where is not none %} filter (where {{ where }}){% endif %}
{%- endmacro %}

{% macro spark__min_by_nonnull(value_expr, order_exprs, where) -%}
    min_by({{ value_expr }}, struct({{ order_exprs | join(', ') }})) filter (
        where {{ value_expr }} is not null
        {%- if where is not none %} and {{ where }}{% endif %}
    )
{%- endmacro %}
