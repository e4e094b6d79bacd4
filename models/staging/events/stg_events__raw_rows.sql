{#- Every raw row exactly as read, one output row per raw row (an
    unreadable CSV line included). The only model that reads the source. -#}
{{ config(materialized='table', post_hook=[
    "drop table if exists {{ this.schema }}.raw_csv_rows_scratch",
    "drop table if exists {{ this.schema }}.raw_csv_unreadable_scratch",
]) }}

-- depends_on: {{ source('raw', 'events') }}
{{ read_raw_events(this.schema) }}
