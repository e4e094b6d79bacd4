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
