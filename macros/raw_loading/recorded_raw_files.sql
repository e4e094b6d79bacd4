{#- The files of stg_events__raw_files that satisfy `condition` (SQL on
    its columns, e.g. a file_index bound), in load order: a list of dicts
    (name, index, size), what read_raw_rows takes. Run time only. -#}
{% macro recorded_raw_files(condition='true') -%}
    {%- set query -%}
        select source_file, file_index, file_size
        from {{ ref('stg_events__raw_files') }}
        where {{ condition }}
        order by file_index
    {%- endset -%}
    {%- set files = [] -%}
    {%- for name, index, size in run_query(query).rows -%}
        {%- do files.append({'name': name, 'index': index, 'size': size}) -%}
    {%- endfor -%}
    {{ return(files) }}
{%- endmacro %}
