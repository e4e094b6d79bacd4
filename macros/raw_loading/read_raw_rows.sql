{#- The select of the raw rows of `files` (dicts with name, index and
    size, from stg_events__raw_files), read where they lie, one output row
    per raw row: the nine columns as text, plus
      occurred_at_value  the time when the file stores a typed timestamp
                         (already in UTC), else null;
      source_file, source_line  where the row came from (line: CSV
                         unreadable rows and Parquet rows);
      file_index         the file's number in load order, from 1;
      raw_row_id         file_index * 2^32 + the row's number in its file;
      is_unreadable      a CSV line the parser could not read.
    `scratch` names the CSV scratch tables (see duckdb__load_raw_csv).
    Outside run and build, or without files: an empty select. -#}
{% macro read_raw_rows(files, scratch) -%}
    {%- if not is_building() or files | length == 0 -%}
        {{ return(raw_rows_empty_select()) }}
    {%- endif -%}
    {{ return(adapter.dispatch('read_raw_rows', 'conversions')(
        raw_events_path(), files, scratch)) }}
{%- endmacro %}


{% macro raw_rows_empty_select() -%}
    select
    {%- for column in raw_event_columns() %}
        cast(null as string) as {{ column }},
    {%- endfor %}
        cast(null as timestamp) as occurred_at_value,
        cast(null as string) as source_file,
        cast(null as bigint) as source_line,
        cast(null as bigint) as file_index,
        cast(null as bigint) as raw_row_id,
        false as is_unreadable
    where false
{%- endmacro %}


{#- A values list mapping each file to its index. -#}
{% macro raw_file_index_values(files) -%}
    (values
    {%- for file in files %}
        ({{ sql_string(file.name) }}, cast({{ file.index }} as bigint)){{ "," if not loop.last }}
    {%- endfor %}
    ) as file_indexes (source_file, file_index)
{%- endmacro %}


{% macro duckdb__read_raw_rows(path, files, scratch) -%}
    {%- if raw_events_format(path) == 'parquet' -%}
        {{ return(duckdb__read_raw_parquet(path, files)) }}
    {%- endif -%}
    {%- set tables = duckdb__load_raw_csv(path, files, scratch) %}
    select * from {{ tables.rows }}
    union all
    select
    {%- for column in raw_event_columns() %}
        cast(null as varchar) as {{ column }},
    {%- endfor %}
        cast(null as timestamp) as occurred_at_value,
        source_file,
        source_line,
        file_index,
        raw_row_id,
        true as is_unreadable
    from {{ tables.unreadable }}
{%- endmacro %}


{#- Checks every Parquet file's columns and the type of occurred_at, and
    returns the expression of the typed time in UTC microseconds (none when
    the files store strings). Nanoseconds are truncated (floor), as the
    fraction of a time string is. -#}
{% macro duckdb__raw_parquet_time_kind(path, files) -%}
    {%- set time_types = {} -%}
    {%- for file in files -%}
        {%- set described = run_query(
            'describe select * from read_parquet(' ~ sql_string(file.name) ~ ')') -%}
        {%- set names = described.columns[0].values() | list -%}
        {%- set types = described.columns[1].values() | list -%}
        {%- do check_raw_columns(path, file.name, names) -%}
        {%- do time_types.update({file.name: types[names.index('occurred_at')]}) -%}
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
    {%- if kinds[0] == 'text' -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set unified = run_query(
        'describe select occurred_at from read_parquet(' ~ duckdb__file_list(files)
        ~ ', union_by_name = true)').columns[1].values()[0] -%}
    {%- if unified.endswith('_NS') -%}
        {{ return('make_timestamp((epoch_ns(occurred_at)'
            ~ ' - ((epoch_ns(occurred_at) % 1000) + 1000) % 1000) // 1000)') }}
    {%- endif -%}
    {{ return('make_timestamp(epoch_us(occurred_at))') }}
{%- endmacro %}


{% macro duckdb__file_list(files) -%}
    {%- set names = [] -%}
    {%- for file in files -%}
        {%- do names.append(sql_string(file.name)) -%}
    {%- endfor -%}
    {{ return('[' ~ names | join(', ') ~ ']') }}
{%- endmacro %}


{% macro duckdb__read_raw_parquet(path, files) -%}
    {%- set value = duckdb__raw_parquet_time_kind(path, files) %}
    select
    {%- for column in raw_event_columns() %}
        {%- if column == 'occurred_at' and value is not none %}
        strftime({{ value }}, '%Y-%m-%dT%H:%M:%S.%fZ') as occurred_at,
        {%- else %}
        cast({{ column }} as varchar) as {{ column }},
        {%- endif %}
    {%- endfor %}
        {{ value if value is not none else 'cast(null as timestamp)' }}
            as occurred_at_value,
        raw.filename as source_file,
        raw.file_row_number + 1 as source_line,
        file_indexes.file_index,
        file_indexes.file_index * 4294967296 + raw.file_row_number
            as raw_row_id,
        false as is_unreadable
    from read_parquet(
        {{ duckdb__file_list(files) }},
        union_by_name = true, filename = true, file_row_number = true
    ) as raw
    inner join {{ raw_file_index_values(files) }}
        on raw.filename = file_indexes.source_file
{%- endmacro %}


{#- Spark reads Parquet only. The row number comes from
    `_metadata.row_index`, so raw_row_id is the same on both engines.
    Typed times must be microsecond or millisecond timestamps: Spark cannot
    read Parquet nanosecond timestamps (a clear error names the type). -#}
{% macro spark__raw_time_value(path) -%}
    {%- set described = run_query('describe query select * from ' ~ spark_raw_relation(path)) -%}
    {%- set types = {} -%}
    {%- for row in described.rows -%}
        {%- do types.update({row[0]: row[1] | lower}) -%}
    {%- endfor -%}
    {%- do check_raw_columns(path, path, types.keys() | list) -%}
    {%- set time_type = types['occurred_at'] -%}
    {%- if time_type.startswith('timestamp') -%}
        {{ return('cast(raw.occurred_at as timestamp)') }}
    {%- elif time_type == 'string' -%}
        {{ return(none) }}
    {%- endif -%}
    {{ exceptions.raise_compiler_error(
        "RAW_EVENTS_PATH '" ~ path ~ "': occurred_at is " ~ time_type
        ~ "; it must be a timestamp or an ISO-8601 string") }}
{%- endmacro %}


{% macro spark__read_raw_rows(path, files, scratch) -%}
    {%- set value = spark__raw_time_value(path) %}
    select
    {%- for column in raw_event_columns() %}
        {%- if column == 'occurred_at' and value is not none %}
        date_format({{ value }}, "yyyy-MM-dd'T'HH:mm:ss.SSSSSS'Z'") as occurred_at,
        {%- else %}
        cast(raw.{{ column }} as string) as {{ column }},
        {%- endif %}
    {%- endfor %}
        {{ value if value is not none else 'cast(null as timestamp)' }}
            as occurred_at_value,
        file_indexes.source_file,
        raw._metadata.row_index + 1 as source_line,
        file_indexes.file_index,
        file_indexes.file_index * 4294967296 + raw._metadata.row_index
            as raw_row_id,
        false as is_unreadable
    from {{ spark_raw_relation(path) }} as raw
    inner join {{ raw_file_index_values(files) }}
        on {{ spark_raw_file_name('raw._metadata.file_path') }}
            = file_indexes.source_file
{%- endmacro %}
