{#- `name as {{ inline_cte() }} (...)`: a CTE that the engine must not
    materialize. DuckDB stores a CTE that is used more than once; for the
    wide per-row CTEs of stg_events__classified that copy of every raw row
    spilled 3.7 GiB at 10 million rows. Read in place instead, each use
    computes only the columns it needs. Spark inlines CTEs already and has
    no such keyword. -#}
{% macro inline_cte() -%}
    {{ return(adapter.dispatch('inline_cte', 'conversions')()) }}
{%- endmacro %}

{% macro default__inline_cte() -%}
{%- endmacro %}

{% macro duckdb__inline_cte() -%}
    not materialized
{%- endmacro %}
