{#- on-run-start, after create_model_builds (which creates the schema):
    platform.published_figures when it does not exist. Only in commands
    that build. -#}
{% macro create_published_figures() -%}
    {%- if is_building() -%}
        {%- do run_query(adapter.dispatch('create_published_figures_sql',
            'conversions')(published_figures_relation())) -%}
    {%- endif -%}
    {{ return('') }}
{%- endmacro %}


{% macro default__create_published_figures_sql(relation) -%}
    create table if not exists {{ relation }} (
        mart varchar,
        row_key varchar,
        figures varchar,
        is_final boolean,
        final_after timestamp,
        data_through timestamp,
        definitions varchar,
        published_at timestamp
    )
{%- endmacro %}


{% macro spark__create_published_figures_sql(relation) -%}
    create table if not exists {{ relation }} (
        mart string,
        row_key string,
        figures string,
        is_final boolean,
        final_after timestamp,
        data_through timestamp,
        definitions string,
        published_at timestamp
    ) using parquet
{%- endmacro %}
