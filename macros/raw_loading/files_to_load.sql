{#- The recorded raw files whose rows the change log (the visitor_incremental
    model with a unique_key) has not classified yet: every recorded file
    when the change log is built in full this time (incremental_plan of
    that model), else the files numbered above the last one it holds. A
    list of dicts (name, index, size). Run time only. -#}
{% macro files_to_load() -%}
    {%- if not is_building() -%}
        {{ return([]) }}
    {%- endif -%}
    {%- set change_log = change_log_node() -%}
    {%- set records = ref('stg_events__raw_files') -%}
    {%- set query -%}
        select source_file, file_index, file_size
        from {{ records }}
        {%- if incremental_plan(change_log).mode == 'incremental' %}
        where file_index > (
            select coalesce({{ raw_file_index('max(raw_row_id)') }}, 0)
            from {{ change_log_relation() }}
        )
        {%- endif %}
        order by file_index
    {%- endset -%}
    {%- set files = [] -%}
    {%- for name, index, size in run_query(query).rows -%}
        {%- do files.append({'name': name, 'index': index, 'size': size}) -%}
    {%- endfor -%}
    {{ return(files) }}
{%- endmacro %}
