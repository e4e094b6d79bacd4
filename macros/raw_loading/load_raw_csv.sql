{#- CSV on DuckDB: every column as text, no sniffing (the header gives the
    order). DuckDB reports the lines its parser rejects only to the
    statement that read them, so `files` are read into two scratch tables,
    raw_csv_<scratch>_rows and raw_csv_<scratch>_unreadable in this model's
    schema, and the rows are selected from there. Scratch tables live for
    one build: stg_events__classified empties them when it is done. Returns
    the two table names. -#}
{% macro duckdb__load_raw_csv(path, files, scratch) -%}
    {%- set tables = {
        'rows': this.schema ~ '.raw_csv_' ~ scratch ~ '_rows',
        'unreadable': this.schema ~ '.raw_csv_' ~ scratch ~ '_unreadable',
    } -%}
    {%- set setup -%}
        create schema if not exists {{ this.schema }};
        create or replace table {{ tables.rows }} as
        {{ raw_rows_empty_select() }};
        create or replace table {{ tables.unreadable }} (
            source_file varchar, source_line bigint, file_index bigint,
            raw_row_id bigint
        );
    {%- endset -%}
    {%- do run_query(setup) -%}
    {#- The header probe's `limit 1` and the line numbers below need the
    file's order. A parallel CSV scan returns lines in any order unless
    preserve_insertion_order is on (82 of 200 probes of a 200,000-line file
    returned a data line first), and that setting is global: dbt-duckdb sets
    it again (off, from the profile) whenever another model's thread opens a
    cursor, so toggling it here raced with models built in parallel. Every
    read here is a single-threaded scan (parallel = false), in file order
    whatever the setting. -#}
    {%- for file_entry in files -%}
        {%- set file = file_entry.name -%}
        {%- set header = run_query(
            'select line from read_csv(' ~ sql_string(file) ~ ", columns = {'line': 'VARCHAR'},"
            ~ " header = false, auto_detect = false, delim = chr(1), quote = '',"
            ~ " escape = '', ignore_errors = true, strict_mode = false,"
            ~ " parallel = false) limit 1"
        ).columns[0].values() -%}
        {%- set names = [] -%}
        {%- if header | length > 0 and header[0] is not none -%}
            {%- for name in header[0].replace('\ufeff', '').split(',') -%}
                {%- do names.append(name.strip().strip('"').strip()) -%}
            {%- endfor -%}
        {%- endif -%}
        {%- do check_raw_columns(path, file, names) -%}
        {%- set column_spec = [] -%}
        {%- for name in names -%}
            {%- do column_spec.append(sql_string(name) ~ ": 'VARCHAR'") -%}
        {%- endfor -%}
        {%- set rejects = 'raw_csv_reject_errors_' ~ loop.index -%}
        {%- set scans = 'raw_csv_reject_scans_' ~ loop.index -%}
        {%- set load -%}
            drop table if exists {{ rejects }};
            drop table if exists {{ scans }};
            insert into {{ tables.rows }}
            select
            {%- for column in raw_event_columns() %}
                "{{ column }}",
            {%- endfor %}
                null, {{ sql_string(file) }}, null, {{ file_entry.index }},
                {{ file_entry.index }} * 4294967296 + row_number() over (),
                false
            from read_csv(
                {{ sql_string(file) }},
                columns = { {{ column_spec | join(', ') }} },
                header = true, auto_detect = false, delim = ',', quote = '"',
                escape = '"', store_rejects = true, parallel = false,
                rejects_table = '{{ rejects }}',
                rejects_scan = '{{ scans }}'
            );
            insert into {{ tables.unreadable }}
            select distinct
                {{ sql_string(file) }}, line, {{ file_entry.index }},
                {{ file_entry.index }} * 4294967296 + 2147483648 + line
            from {{ rejects }};
            drop table {{ rejects }};
            drop table {{ scans }};
        {%- endset -%}
        {%- do run_query(load) -%}
    {%- endfor -%}
    {{ return(tables) }}
{%- endmacro %}
