{#- Every raw row exactly as read, one output row per raw row (an
    unreadable CSV line included). The only model that reads the source.
    Incremental: each build appends the rows of the files not loaded yet;
    a file already loaded is never read again. -#}
{{ config(
    materialized='incremental',
    incremental_strategy='append',
    on_schema_change='fail',
    post_hook=[
        "drop table if exists {{ this.schema }}.raw_csv_rows_scratch",
        "drop table if exists {{ this.schema }}.raw_csv_unreadable_scratch",
    ],
) }}

{%- set loaded = {} %}
{%- if is_incremental() and execute %}
    {%- set files = run_query(
        'select source_file, any_value(source_file_size),'
        ~ ' any_value(file_index) from ' ~ this ~ ' group by source_file'
    ) %}
    {%- for name, size, index in files.rows %}
        {%- do loaded.update({name: {'size': size, 'index': index}}) %}
    {%- endfor %}
{%- endif %}

-- depends_on: {{ source('raw', 'events') }}
{{ read_raw_events(this.schema, loaded) }}
