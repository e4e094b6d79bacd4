{#- After stg_events__classified: the CSV scratch tables of this build
    (duckdb__load_raw_csv) are emptied, so no raw row stays in the database.
    The view stg_events__raw_rows then reads no row until the next build. -#}
{% macro empty_raw_csv_scratch() -%}
    {{ return(adapter.dispatch('empty_raw_csv_scratch', 'conversions')()) }}
{%- endmacro %}

{% macro default__empty_raw_csv_scratch() -%}
    {{ return('') }}
{%- endmacro %}

{% macro duckdb__empty_raw_csv_scratch() -%}
    {%- if not is_building() -%}
        {{ return('') }}
    {%- endif -%}
    {%- set found = run_query(
        "select table_name from information_schema.tables"
        ~ " where table_schema = " ~ sql_string(this.schema)
        ~ " and table_name in ('raw_csv_new_rows', 'raw_csv_new_unreadable',"
        ~ " 'raw_csv_history_rows', 'raw_csv_history_unreadable')") -%}
    {%- set statements = [] -%}
    {%- for name in found.columns[0].values() -%}
        {%- do statements.append('delete from ' ~ this.schema ~ '.' ~ name) -%}
    {%- endfor -%}
    {{ return(statements | join(';\n')) }}
{%- endmacro %}
