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
