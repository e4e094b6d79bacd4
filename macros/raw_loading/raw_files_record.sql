{#- The select of stg_events__raw_files: one row per file under
    RAW_EVENTS_PATH not recorded yet, with its number in load order, size,
    modification time and row count (Parquet: from the footers; CSV: the
    lines read plus the lines that cannot be read). `loaded` maps the files
    already recorded to their size, modification time and index. A recorded
    file whose size or modification time changed stops the build: its rows
    were counted as they were, and a raw row id must keep leading back to
    its row. A new file without the nine columns stops the build before it
    is recorded. Outside run and build: an empty select, no query. -#}
{% macro raw_files_record_sql(loaded) -%}
    {%- if not is_building() -%}
        {{ return(raw_files_empty_select()) }}
    {%- endif -%}
    {%- set path = raw_events_path() -%}
    {%- set new_files = new_raw_files(path, list_raw_files(path), loaded) -%}
    {%- if new_files | length == 0 -%}
        {{ return(raw_files_empty_select()) }}
    {%- endif -%}
    {%- set counts = adapter.dispatch('count_raw_rows', 'conversions')(path, new_files) -%}
    select
        file_index,
        source_file,
        file_size,
        cast(file_modified_at as timestamp) as file_modified_at,
        row_count,
        {{ run_timestamp() }} as loaded_at
    from (values
    {%- for file in new_files %}
        (
            cast({{ file.index }} as bigint), {{ sql_string(file.name) }},
            cast({{ file.size }} as bigint), {{ sql_string(file.modified) }},
            cast({{ counts[file.name] }} as bigint)
        ){{ "," if not loop.last }}
    {%- endfor %}
    ) as new_files (file_index, source_file, file_size, file_modified_at, row_count)
{%- endmacro %}


{% macro raw_files_empty_select() -%}
    select
        cast(null as bigint) as file_index,
        cast(null as string) as source_file,
        cast(null as bigint) as file_size,
        cast(null as timestamp) as file_modified_at,
        cast(null as bigint) as row_count,
        cast(null as timestamp) as loaded_at
    where false
{%- endmacro %}


{#- The files of `listing` not in `loaded`, each with the next file index;
    stops the build when a loaded file changed. -#}
{% macro new_raw_files(path, listing, loaded) -%}
    {%- set next_index = [loaded.values() | map(attribute='index') | max
        if loaded else 0] -%}
    {%- set new_files = [] -%}
    {%- for file in listing -%}
        {%- if file.name in loaded -%}
            {%- set then = loaded[file.name] -%}
            {%- if then.size != file.size or then.modified != file.modified -%}
                {{ exceptions.raise_compiler_error(
                    "Raw events file '" ~ file.name ~ "' changed since it was loaded ("
                    ~ then.size ~ " bytes, modified " ~ then.modified ~ " then; "
                    ~ file.size ~ " bytes, modified " ~ file.modified ~ " now). Its rows"
                    ~ " were counted as they were: run `dbt build --full-refresh`"
                    ~ " to count the file as it is now, or deliver new rows in a"
                    ~ " new file.") }}
            {%- endif -%}
        {%- else -%}
            {%- do next_index.append(next_index[-1] + 1) -%}
            {%- do new_files.append({'name': file.name, 'size': file.size,
                'modified': file.modified, 'index': next_index[-1],
                'rows': file.get('rows')}) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if new_files | length == 0 -%}
        {{ log("No new raw events files under '" ~ path ~ "'", info=true) }}
    {%- else -%}
        {{ log("Loading " ~ new_files | length ~ " new raw events file(s) of "
            ~ listing | length ~ " under '" ~ path ~ "'", info=true) }}
    {%- endif -%}
    {{ return(new_files) }}
{%- endmacro %}


{#- Row counts of new files, name -> rows, after checking their columns. -#}
{% macro duckdb__count_raw_rows(path, files) -%}
    {%- set counts = {} -%}
    {%- if raw_events_format(path) == 'parquet' -%}
        {%- do duckdb__raw_parquet_time_kind(path, files) -%}
        {%- set listed = [] -%}
        {%- for file in files -%}
            {%- do listed.append(sql_string(file.name)) -%}
        {%- endfor -%}
        {%- set found = run_query(
            'select file_name, sum(num_rows) from parquet_file_metadata(['
            ~ listed | join(', ') ~ ']) group by file_name') -%}
        {%- for name, rows in found.rows -%}
            {%- do counts.update({name: rows}) -%}
        {%- endfor -%}
    {%- else -%}
        {%- set scratch = duckdb__load_raw_csv(path, files, 'count') -%}
        {%- set found = run_query(
            'select source_file, count(*) from (select source_file from '
            ~ scratch.rows ~ ' union all select source_file from '
            ~ scratch.unreadable ~ ') group by source_file') -%}
        {%- for name, rows in found.rows -%}
            {%- do counts.update({name: rows}) -%}
        {%- endfor -%}
        {%- do run_query('drop table ' ~ scratch.rows ~ '; drop table ' ~ scratch.unreadable) -%}
    {%- endif -%}
    {%- for file in files -%}
        {%- if file.name not in counts -%}
            {%- do counts.update({file.name: 0}) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(counts) }}
{%- endmacro %}


{#- Spark: the listing counted the rows; the columns are checked here. -#}
{% macro spark__count_raw_rows(path, files) -%}
    {%- do spark__raw_time_value(path) -%}
    {%- set counts = {} -%}
    {%- for file in files -%}
        {%- do counts.update({file.name: file.rows}) -%}
    {%- endfor -%}
    {{ return(counts) }}
{%- endmacro %}
