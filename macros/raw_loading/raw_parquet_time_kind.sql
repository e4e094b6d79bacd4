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
