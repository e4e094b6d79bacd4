{#- The recorded raw files whose rows the change log (the visitor_incremental
    model with a unique_key) has not classified yet: every recorded file
    when the change log is built in full this time (incremental_plan of
    that model), else the files numbered above the last one it holds. A
    list of dicts (name, index, size). Run time only. -#}
{% macro files_to_load() -%}
    {%- if not is_building() -%}
        {{ return([]) }}
    {%- endif -%}
    {%- if incremental_plan(change_log_node()).mode != 'incremental' -%}
        {{ return(recorded_raw_files()) }}
    {%- endif -%}
    {%- set after_classified -%}
        file_index > (
            select coalesce({{ raw_file_index('max(raw_row_id)') }}, 0)
            from {{ change_log_relation() }}
        )
    {%- endset -%}
    {{ return(recorded_raw_files(after_classified)) }}
{%- endmacro %}
