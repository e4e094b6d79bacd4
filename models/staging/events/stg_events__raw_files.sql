{#- The record of loaded raw files, append-only: each build appends the
    files under RAW_EVENTS_PATH it has not seen (macros/raw_loading). The
    rows themselves are never copied: later models read them where they
    lie, by file_index. -#}
{{ config(
    materialized='incremental',
    incremental_strategy='append',
    on_schema_change='fail',
    post_hook="{{ record_appended_rows() }}",
) }}

{%- set loaded = {} %}
{%- if is_incremental() and is_building() %}
    {%- set files = run_query(
        'select source_file, file_size,'
        ~ ' ' ~ timestamp_text('file_modified_at') ~ ', file_index from ' ~ this) %}
    {%- for name, size, modified, index in files.rows %}
        {%- do loaded.update({name: {'size': size, 'modified': modified, 'index': index}}) %}
    {%- endfor %}
{%- endif %}

-- depends_on: {{ source('raw', 'events') }}
{{ raw_files_record_sql(loaded) }}
