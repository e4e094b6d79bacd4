{#- The raw rows, read back from their files, that the duplicate tie-break
    of an incremental build of stg_events__classified compares with the new
    rows: the rows of the files that hold an accepted row whose event_id
    comes again in the new rows. Only those files are read. Run time only;
    a unit test gives the rows with an override. -#}
{% macro history_raw_rows_sql() -%}
    {%- if not is_building() -%}
        {{ return(raw_rows_empty_select()) }}
    {%- endif -%}
    {%- set holding_competitors -%}
        file_index in (
            select distinct {{ raw_file_index('history.raw_row_id') }}
            from {{ this }} as history
            semi join {{ ref('stg_events__raw_rows') }} as new_rows
                on history.event_id = new_rows.event_id
            where history.event_status in ('bot', 'counted')
        )
    {%- endset -%}
    {{ return(read_raw_rows(recorded_raw_files(holding_competitors), 'history')) }}
{%- endmacro %}
