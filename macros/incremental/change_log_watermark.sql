{#- The newest processed_at of the change log: the watermark a build of a
    visitor-level model records. -#}
{% macro change_log_watermark() -%}
    {%- set found = run_query(
        'select max(processed_at) from ' ~ change_log_relation()) -%}
    {{ return(found.columns[0].values()[0]) }}
{%- endmacro %}
