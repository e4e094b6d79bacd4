{#- The raw rows this build classifies, read where they lie (the files of
    stg_events__raw_files that stg_events__classified has not read yet, or
    every file when it is rebuilt in full), exactly as delivered: one row
    per raw row, an unreadable CSV line included. A view: no raw row is
    copied into the database. -#}
{{ config(materialized='view') }}

-- depends_on: {{ ref('stg_events__raw_files') }}
{{ read_raw_rows(files_to_load(), 'new') }}
