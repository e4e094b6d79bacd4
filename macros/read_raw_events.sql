{#- The select that reads the raw rows of RAW_EVENTS_PATH not loaded yet,
    one output row per raw row: the nine columns as text, plus
      occurred_at_value  the time when the file stores a typed timestamp
                         (already in UTC), else null;
      source_file, source_line  where the row came from (line: CSV
                         unreadable rows and Parquet rows);
      source_file_size   the file's size when it was loaded;
      file_index         the file's number in load order, from 1;
      raw_row_id         a unique id: file_index * 2^32 + the row's number
                         in its file (later loads get larger ids);
      is_unreadable      a CSV line the parser could not read.
    `loaded` maps files already loaded to their size and file_index (empty
    on a full refresh). A loaded file whose size changed stops the build:
    its rows were counted as they were, and only a full refresh can take
    them back. At run time it also checks that the path matches files and
    that every new file has the nine columns, and stops the build with an
    error naming the path, the file and the column otherwise. -#}
{% macro read_raw_events(scratch_schema, loaded={}) -%}
    {{ return(adapter.dispatch('read_raw_events', 'conversions')(scratch_schema, loaded)) }}
{%- endmacro %}


{% macro raw_events_empty_select() -%}
    select
    {%- for column in raw_event_columns() %}
        cast(null as string) as {{ column }},
    {%- endfor %}
        cast(null as timestamp) as occurred_at_value,
        cast(null as string) as source_file,
        cast(null as bigint) as source_line,
        cast(null as bigint) as source_file_size,
        cast(null as bigint) as file_index,
        cast(null as bigint) as raw_row_id,
        false as is_unreadable,
        cast(null as timestamp) as loaded_at
    where false
{%- endmacro %}


{#- A values list mapping each new file to its index and size. -#}
{% macro raw_file_index_values(new_files) -%}
    (values
    {%- for file in new_files %}
        ({{ sql_string(file.name) }}, cast({{ file.index }} as bigint), cast({{ file.size }} as bigint)){{ "," if not loop.last }}
    {%- endfor %}
    ) as file_indexes (source_file, file_index, source_file_size)
{%- endmacro %}


{#- The format of RAW_EVENTS_PATH, from its extension: parquet or csv. -#}
{% macro raw_events_format(path) -%}
    {%- set lowered = path | lower -%}
    {%- if lowered.endswith('.parquet') -%}
        {{ return('parquet') }}
    {%- elif lowered.endswith('.csv') -%}
        {{ return('csv') }}
    {%- endif -%}
    {{ exceptions.raise_compiler_error(
        "RAW_EVENTS_PATH '" ~ path ~ "' must end in .parquet or .csv"
        ~ " (a file or a glob such as events/*.parquet)") }}
{%- endmacro %}


{#- The files of `listing` (rows of name, size) not in `loaded`, each with
    its size and the next file_index; stops the build when a loaded file's
    size changed. -#}
{% macro new_raw_files(path, listing, loaded) -%}
    {%- if listing.rows | length == 0 -%}
        {{ exceptions.raise_compiler_error(
            "RAW_EVENTS_PATH '" ~ path ~ "' matches no file") }}
    {%- endif -%}
    {%- set next_index = [loaded.values() | map(attribute='index') | max
        if loaded else 0] -%}
    {%- set new_files = [] -%}
    {%- for name, size in listing.rows -%}
        {%- if name in loaded -%}
            {%- if loaded[name].size != size -%}
                {{ exceptions.raise_compiler_error(
                    "Raw events file '" ~ name ~ "' changed since it was loaded ("
                    ~ loaded[name].size ~ " bytes then, " ~ size ~ " now). Its rows"
                    ~ " were counted as they were: run `dbt build --full-refresh`"
                    ~ " to count the file as it is now, or deliver new rows in a"
                    ~ " new file.") }}
            {%- endif -%}
        {%- else -%}
            {%- do next_index.append(next_index[-1] + 1) -%}
            {%- do new_files.append({
                'name': name, 'size': size, 'index': next_index[-1]}) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if new_files | length == 0 -%}
        {{ log("No new raw events files under '" ~ path ~ "'", info=true) }}
    {%- else -%}
        {{ log("Loading " ~ new_files | length ~ " new raw events file(s) of "
            ~ listing.rows | length ~ " under '" ~ path ~ "'", info=true) }}
    {%- endif -%}
    {{ return(new_files) }}
{%- endmacro %}


{% macro duckdb__read_raw_events(scratch_schema, loaded) -%}
    {%- if not is_building() -%}
        {{ return(raw_events_empty_select()) }}
    {%- endif -%}
    {%- set path = raw_events_path() -%}
    {%- set file_format = raw_events_format(path) -%}
    {%- set listing = run_query(
        'select filename, size from read_blob(' ~ sql_string(path) ~ ') order by filename'
    ) -%}
    {%- set new_files = new_raw_files(path, listing, loaded) -%}
    {%- if new_files | length == 0 -%}
        {{ return(raw_events_empty_select()) }}
    {%- endif -%}
    {%- if file_format == 'parquet' -%}
        {{ return(duckdb__read_raw_parquet(path, new_files)) }}
    {%- else -%}
        {{ return(duckdb__read_raw_csv(path, new_files, scratch_schema)) }}
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
    {%- set kind = kinds[0] -%}
    {%- set file_list -%}
        [{% for file in files %}{{ sql_string(file.name) }}{{ ', ' if not loop.last }}{% endfor %}]
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
        raw.filename as source_file,
        raw.file_row_number + 1 as source_line,
        file_indexes.source_file_size,
        file_indexes.file_index,
        file_indexes.file_index * 4294967296 + raw.file_row_number
            as raw_row_id,
        false as is_unreadable,
        {{ run_timestamp() }} as loaded_at
    from read_parquet(
        {{ file_list }},
        union_by_name = true, filename = true, file_row_number = true
    ) as raw
    inner join {{ raw_file_index_values(files) }}
        on raw.filename = file_indexes.source_file
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
            source_file varchar, source_line bigint, source_file_size bigint,
            file_index bigint, raw_row_id bigint
        );
    {%- endset -%}
    {%- do run_query(setup) -%}
    {#- The header probe's `limit 1` and the line numbers below need the
        file's order, which DuckDB keeps only while preserve_insertion_order
        is on. The profile turns it off for speed, and a parallel scan then
        returns any line first (82 of 200 probes of a 200,000-line file did;
        a CI run read a data line as the header). It is on while the files
        are read and restored after. -#}
    {%- set prior_order = run_query(
        "select current_setting('preserve_insertion_order')").columns[0].values()[0] -%}
    {%- do run_query('set preserve_insertion_order = true') -%}
    {%- for file_entry in files -%}
        {%- set file = file_entry.name -%}
        {%- set header = run_query(
            'select line from read_csv(' ~ sql_string(file) ~ ", columns = {'line': 'VARCHAR'},"
            ~ " header = false, auto_detect = false, delim = chr(1), quote = '',"
            ~ " escape = '', ignore_errors = true, strict_mode = false) limit 1"
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
                null, {{ sql_string(file) }}, null,
                {{ file_entry.size }}, {{ file_entry.index }},
                {{ file_entry.index }} * 4294967296 + row_number() over (),
                false, {{ run_timestamp() }}
            from read_csv(
                {{ sql_string(file) }},
                columns = { {{ column_spec | join(', ') }} },
                header = true, auto_detect = false, delim = ',', quote = '"',
                escape = '"', store_rejects = true,
                rejects_table = '{{ rejects }}',
                rejects_scan = '{{ scans }}'
            );
            insert into {{ unreadable_table }}
            select distinct
                {{ sql_string(file) }}, line, {{ file_entry.size }},
                {{ file_entry.index }},
                {{ file_entry.index }} * 4294967296 + 2147483648 + line
            from {{ rejects }};
            drop table {{ rejects }};
            drop table {{ scans }};
        {%- endset -%}
        {%- do run_query(load) -%}
    {%- endfor -%}
    {%- do run_query('set preserve_insertion_order = '
        ~ ('true' if prior_order else 'false')) %}
    select * from {{ rows_table }}
    union all
    select
    {%- for column in raw_event_columns() %}
        cast(null as varchar) as {{ column }},
    {%- endfor %}
        cast(null as timestamp) as occurred_at_value,
        source_file,
        source_line,
        source_file_size,
        file_index,
        raw_row_id,
        true as is_unreadable,
        {{ run_timestamp() }} as loaded_at
    from {{ unreadable_table }}
{%- endmacro %}


{#- Spark reads Parquet only (a CSV export converts with DuckDB or Spark
    first). The file list and sizes come from Spark's `_metadata` columns,
    the row number from `_metadata.row_index`, so raw_row_id is the same on
    both engines. File names lose Spark's `file:` prefix. Typed times must
    be microsecond or millisecond timestamps: Spark cannot read Parquet
    nanosecond timestamps (a clear error names the file's type). -#}
{% macro spark__read_raw_events(scratch_schema, loaded) -%}
    {%- if not is_building() -%}
        {{ return(raw_events_empty_select()) }}
    {%- endif -%}
    {%- set path = raw_events_path() -%}
    {%- if raw_events_format(path) != 'parquet' -%}
        {{ exceptions.raise_compiler_error(
            "RAW_EVENTS_PATH '" ~ path ~ "': the Spark target reads Parquet"
            ~ " only; convert the CSV (scripts/sample_to_parquet.py shows how)") }}
    {%- endif -%}
    {%- set relation = 'parquet.`' ~ path | replace('`', '``') ~ '`' -%}
    {%- set file_name = "regexp_replace(url_decode(_metadata.file_path), '^file:(//)?', '')" -%}
    {%- set listing = run_query(
        'select distinct ' ~ file_name ~ ', _metadata.file_size from ' ~ relation
        ~ ' order by 1'
    ) -%}
    {%- set new_files = new_raw_files(path, listing, loaded) -%}
    {%- if new_files | length == 0 -%}
        {{ return(raw_events_empty_select()) }}
    {%- endif -%}
    {%- set described = run_query('describe query select * from ' ~ relation) -%}
    {%- set types = {} -%}
    {%- for row in described.rows -%}
        {%- do types.update({row[0]: row[1] | lower}) -%}
    {%- endfor -%}
    {%- do check_raw_columns(path, path, types.keys() | list) -%}
    {%- set time_type = types['occurred_at'] -%}
    {%- if time_type.startswith('timestamp') -%}
        {%- set value = 'cast(raw.occurred_at as timestamp)' -%}
    {%- elif time_type == 'string' -%}
        {%- set value = none -%}
    {%- else -%}
        {{ exceptions.raise_compiler_error(
            "RAW_EVENTS_PATH '" ~ path ~ "': occurred_at is " ~ time_type
            ~ "; it must be a timestamp or an ISO-8601 string") }}
    {%- endif %}
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
        file_indexes.source_file_size,
        file_indexes.file_index,
        file_indexes.file_index * 4294967296 + raw._metadata.row_index
            as raw_row_id,
        false as is_unreadable,
        {{ run_timestamp() }} as loaded_at
    from {{ relation }} as raw
    inner join {{ raw_file_index_values(new_files) }}
        on {{ file_name | replace('_metadata', 'raw._metadata') }}
            = file_indexes.source_file
{%- endmacro %}
