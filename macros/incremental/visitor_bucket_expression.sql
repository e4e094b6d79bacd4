{#- Spark partitions visitor-level tables by a hash bucket of visitor_id;
    DuckDB deletes rows and needs none. -#}
{% macro visitor_bucket_expression(visitor_expr) -%}
    {{ return(adapter.dispatch('visitor_bucket_expression', 'conversions')(visitor_expr)) }}
{%- endmacro %}


{% macro default__visitor_bucket_expression(visitor_expr) -%}
    {{ return('') }}
{%- endmacro %}


{% macro spark__visitor_bucket_expression(visitor_expr) -%}
    {{ return('pmod(xxhash64(' ~ visitor_expr ~ '), '
        ~ (var('spark_visitor_buckets', 32) | int) ~ ')') }}
{%- endmacro %}
