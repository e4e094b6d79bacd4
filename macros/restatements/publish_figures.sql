{#- The post-hooks of audit.restatements: platform.published_figures
    becomes this build's figures (current_figures_sql), stamped with the
    run time. DuckDB empties then fills it, in the model's transaction;
    Spark overwrites its Parquet table in one statement. -#}
{% macro publish_figures_clear() -%}
    {{ return(adapter.dispatch('publish_figures_clear', 'conversions')()) }}
{%- endmacro %}

{% macro default__publish_figures_clear() -%}
    delete from {{ published_figures_relation() }}
{%- endmacro %}

{% macro spark__publish_figures_clear() -%}
    select 1
{%- endmacro %}


{% macro publish_figures_write() -%}
    {{ return(adapter.dispatch('publish_figures_write', 'conversions')()) }}
{%- endmacro %}

{% macro default__publish_figures_write() -%}
    insert into {{ published_figures_relation() }}
    select *, {{ run_timestamp() }} as published_at
    from ({{ current_figures_sql() }}) as current_figures
{%- endmacro %}

{% macro spark__publish_figures_write() -%}
    insert overwrite table {{ published_figures_relation() }}
    select *, {{ run_timestamp() }} as published_at
    from ({{ current_figures_sql() }}) as current_figures
{%- endmacro %}
