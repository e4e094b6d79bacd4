{#- The select that reads every raw row from RAW_EVENTS_PATH, one output row
    per raw row, the nine columns as text, plus:
      occurred_at_value  the time when the file stores a typed timestamp
                         (already in UTC), else null;
      source_file, source_line  where the row came from (line: CSV only);
      is_unreadable      a CSV line the parser could not read.
    Before it returns, it checks (at run time) that the path matches files
    and that every file has the nine columns, and stops the build with an
    error naming the path, the file and the column otherwise. -#}
{% macro read_raw_events(scratch_schema) -%}
    {{ return(adapter.dispatch('read_raw_events', 'conversions')(scratch_schema)) }}
{%- endmacro %}


{% macro raw_events_empty_select() -%}
    select
    {%- for column in raw_event_columns() %}
        cast(null as varchar) as {{ column }},
    {%- endfor %}
        cast(null as timestamp) as occurred_at_value,
        cast(null as varchar) as source_file,
        cast(null as bigint) as source_line,
        false as is_unreadable
    where false
{%- endmacro %}


{% macro duckdb__read_raw_events(scratch_schema) -%}
    {%- if not execute -%}
        {{ return(raw_events_empty_select()) }}
    {%- endif -%}
    {%- set path = raw_events_path() -%}
    {%- set lowered = path | lower -%}
    {%- if lowered.endswith('.parquet') -%}
        {%- set file_format = 'parquet' -%}
    {%- elif lowered.endswith('.csv') -%}
        {%- set file_format = 'csv' -%}
    {%- else -%}
        {{ exceptions.raise_compiler_error(
            "RAW_EVENTS_PATH '" ~ path ~ "' must end in .parquet or .csv"
            ~ " (a file or a glob such as events/*.parquet)") }}
    {%- endif -%}
    {%- set files = run_query(
        'select file from glob(' ~ sql_string(path) ~ ') order by file'
    ).columns[0].values() -%}
    {%- if files | length == 0 -%}
        {{ exceptions.raise_compiler_error(
            "RAW_EVENTS_PATH '" ~ path ~ "' matches no file") }}
    {%- endif -%}
    {%- if file_format == 'parquet' -%}
        {{ return(duckdb__read_raw_parquet(path, files)) }}
    {%- else -%}
        {{ return(duckdb__read_raw_csv(path, files, scratch_schema)) }}
    {%- endif -%}
{%- endmacro %}


{#- Stops the build when `present` (column names of one file) lacks any of
    the nine raw columns. -#}
{% macro check_raw_columns(path, file, present) -%}
    {%- set missing = [] -%}
    {%- for column in raw_event_columns() -%}
        {%- if column not in present -%}
            {%- do missing.append(column) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if missing | length > 0 -%}
        {{ exceptions.raise_compiler_error(
            "Raw events file '" ~ file ~ "' lacks the required column(s) "
            ~ missing | join(', ') ~ " (RAW_EVENTS_PATH '" ~ path ~ "'); "
            ~ "every file needs: " ~ raw_event_columns() | join(', ')) }}
    {%- endif -%}
{%- endmacro %}


{% macro duckdb__read_raw_parquet(path, files) -%}
    {%- set time_types = {} -%}
    {%- for file in files -%}
        {%- set described = run_query(
            'describe select * from read_parquet(' ~ sql_string(file) ~ ')') -%}
        {%- set names = described.columns[0].values() | list -%}
        {%- set types = described.columns[1].values() | list -%}
        {%- do check_raw_columns(path, file, names) -%}
        {%- do time_types.update({file: types[names.index('occurred_at')]}) -%}
    {%- endfor -%}
    {%- set kinds = [] -%}
    {%- for file, time_type in time_types.items() -%}
        {%- if time_type.startswith('TIMESTAMP') -%}
            {%- do kinds.append('timestamp') -%}
        {%- elif time_type == 'VARCHAR' -%}
            {%- do kinds.append('text') -%}
        {%- else -%}
            {{ exceptions.raise_compiler_error(
                "Raw events file '" ~ file ~ "': occurred_at is " ~ time_type
                ~ "; it must be a timestamp or an ISO-8601 string") }}
        {%- endif -%}
    {%- endfor -%}
    {%- if kinds | unique | list | length > 1 -%}
        {{ exceptions.raise_compiler_error(
            "The files of RAW_EVENTS_PATH '" ~ path ~ "' disagree on the type of"
            ~ " occurred_at: " ~ time_types | tojson
            ~ "; convert them to one type (a timestamp or a string)") }}
    {%- endif -%}
    {%- set kind = kinds[0] -%}
    {%- set file_list -%}
        [{% for file in files %}{{ sql_string(file) }}{{ ', ' if not loop.last }}{% endfor %}]
    {%- endset -%}
    {#- Typed times become UTC microseconds; nanoseconds are truncated (floor),
        as the fraction of a time string is. -#}
    {%- if kind == 'timestamp' -%}
        {%- set unified = run_query(
            'describe select occurred_at from read_parquet(' ~ file_list
            ~ ', union_by_name = true)').columns[1].values()[0] -%}
        {%- if unified.endswith('_NS') -%}
            {%- set value = 'make_timestamp((epoch_ns(occurred_at)'
                ~ ' - ((epoch_ns(occurred_at) % 1000) + 1000) % 1000) // 1000)' -%}
        {%- else -%}
            {%- set value = 'make_timestamp(epoch_us(occurred_at))' -%}
        {%- endif -%}
    {%- endif %}
    select
    {%- for column in raw_event_columns() %}
        {%- if column == 'occurred_at' and kind != 'text' %}
        strftime({{ value }}, '%Y-%m-%dT%H:%M:%S.%fZ') as occurred_at,
        {%- else %}
        cast({{ column }} as varchar) as {{ column }},
        {%- endif %}
    {%- endfor %}
        {{ value if kind != 'text' else 'cast(null as timestamp)' }}
            as occurred_at_value,
        filename as source_file,
        file_row_number + 1 as source_line,
        false as is_unreadable
    from read_parquet(
        {{ file_list }},
        union_by_name = true, filename = true, file_row_number = true
    )
{%- endmacro %}


{#- CSV: every column as text, no sniffing (the header gives the order).
    Lines the parser rejects are kept as unreadable rows. DuckDB only
    reports them to the statement's connection, so each file is read into a
    scratch table, with its rejects, before the model's select runs. -#}
{% macro duckdb__read_raw_csv(path, files, scratch_schema) -%}
    {%- set rows_table = scratch_schema ~ '.raw_csv_rows_scratch' -%}
    {%- set unreadable_table = scratch_schema ~ '.raw_csv_unreadable_scratch' -%}
    {%- set setup -%}
        create schema if not exists {{ scratch_schema }};
        create or replace table {{ rows_table }} as
        {{ raw_events_empty_select() }};
        create or replace table {{ unreadable_table }} (
            source_file varchar, source_line bigint
        );
    {%- endset -%}
    {%- do run_query(setup) -%}
    {%- for file in files -%}
        {%- set header = run_query(
            'select line from read_csv(' ~ sql_string(file) ~ ", columns = {'line': 'VARCHAR'},"
            ~ " header = false, auto_detect = false, delim = chr(1), quote = '',"
            ~ " escape = '', ignore_errors = true) limit 1"
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
            insert into {{ rows_table }}
            select
            {%- for column in raw_event_columns() %}
                "{{ column }}",
            {%- endfor %}
                null, {{ sql_string(file) }}, null, false
            from read_csv(
                {{ sql_string(file) }},
                columns = { {{ column_spec | join(', ') }} },
                header = true, auto_detect = false, delim = ',', quote = '"',
                escape = '"', store_rejects = true,
                rejects_table = '{{ rejects }}',
                rejects_scan = '{{ scans }}'
            );
            insert into {{ unreadable_table }}
            select distinct {{ sql_string(file) }}, line
            from {{ rejects }};
            drop table {{ rejects }};
            drop table {{ scans }};
        {%- endset -%}
        {%- do run_query(load) -%}
    {%- endfor %}
    select * from {{ rows_table }}
    union all
    select
    {%- for column in raw_event_columns() %}
        cast(null as varchar) as {{ column }},
    {%- endfor %}
        cast(null as timestamp) as occurred_at_value,
        source_file,
        source_line,
        true as is_unreadable
    from {{ unreadable_table }}
{%- endmacro %}
