{#- The files under RAW_EVENTS_PATH now: a list of dicts (name, size,
    modified), sorted by name. Stops the build when the path matches no
    file. Run time only (see is_building). -#}
{% macro list_raw_files(path) -%}
    {%- set listing = adapter.dispatch('list_raw_files', 'conversions')(path) -%}
    {%- if listing | length == 0 -%}
        {{ exceptions.raise_compiler_error(
            "RAW_EVENTS_PATH '" ~ path ~ "' matches no file") }}
    {%- endif -%}
    {{ return(listing) }}
{%- endmacro %}


{% macro duckdb__list_raw_files(path) -%}
    {%- set found = run_query(
        "select filename, size,"
        ~ " strftime(last_modified, '%Y-%m-%d %H:%M:%S.%f')"
        ~ " from read_blob(" ~ sql_string(path) ~ ") order by filename") -%}
    {%- set listing = [] -%}
    {%- for name, size, modified in found.rows -%}
        {%- do listing.append({'name': name, 'size': size, 'modified': modified}) -%}
    {%- endfor -%}
    {{ return(listing) }}
{%- endmacro %}


{#- Spark: from the `_metadata` columns of the Parquet files; file names
    lose Spark's `file:` prefix. Also counts each file's rows (from the
    Parquet footers), which spark__count_raw_rows reads back. -#}
{% macro spark__list_raw_files(path) -%}
    {%- if raw_events_format(path) != 'parquet' -%}
        {{ exceptions.raise_compiler_error(
            "RAW_EVENTS_PATH '" ~ path ~ "': the Spark target reads Parquet"
            ~ " only; convert the CSV (scripts/sample_to_parquet.py shows how)") }}
    {%- endif -%}
    {%- set found = run_query(
        'select ' ~ spark_raw_file_name('_metadata.file_path') ~ ' as name,'
        ~ ' max(_metadata.file_size),'
        ~ " date_format(max(_metadata.file_modification_time), 'yyyy-MM-dd HH:mm:ss.SSSSSS'),"
        ~ ' count(*)'
        ~ ' from ' ~ spark_raw_relation(path) ~ ' group by 1 order by 1') -%}
    {%- set listing = [] -%}
    {%- for name, size, modified, rows in found.rows -%}
        {%- do listing.append({'name': name, 'size': size, 'modified': modified,
            'rows': rows}) -%}
    {%- endfor -%}
    {{ return(listing) }}
{%- endmacro %}
