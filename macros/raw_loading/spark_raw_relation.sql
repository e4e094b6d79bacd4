{% macro spark_raw_relation(path) -%}
    {{ return('parquet.`' ~ path | replace('`', '``') ~ '`') }}
{%- endmacro %}
