{% macro create_model_builds_sql(builds) -%}
    {{ return(adapter.dispatch('create_model_builds_sql', 'conversions')(builds)) }}
{%- endmacro %}


{% macro default__create_model_builds_sql(builds) -%}
    create table if not exists {{ builds }} (
        model_name varchar,
        built_at timestamp,
        build_number bigint,
        build_mode varchar,
        reason varchar,
        processed_through timestamp,
        definitions varchar,
        rows_changed bigint
    )
{%- endmacro %}


{% macro spark__create_model_builds_sql(builds) -%}
    create table if not exists {{ builds }} (
        model_name string,
        built_at timestamp,
        build_number bigint,
        build_mode string,
        reason string,
        processed_through timestamp,
        definitions string,
        rows_changed bigint
    ) using parquet
{%- endmacro %}
