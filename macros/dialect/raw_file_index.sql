{#- The file number of a raw row id (file_index * 2^32 + the row's number
    in its file): integer division, which the engines spell differently. -#}
{% macro raw_file_index(raw_row_id_expr) -%}
    {{ return(adapter.dispatch('raw_file_index', 'conversions')(raw_row_id_expr)) }}
{%- endmacro %}

{% macro default__raw_file_index(raw_row_id_expr) -%}
    ({{ raw_row_id_expr }} // 4294967296)
{%- endmacro %}

{% macro spark__raw_file_index(raw_row_id_expr) -%}
    ({{ raw_row_id_expr }} div 4294967296)
{%- endmacro %}
