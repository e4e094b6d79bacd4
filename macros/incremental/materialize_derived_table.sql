{% macro default__materialize_derived_table() -%}
    {{ return(materialization_table_default()) }}
{%- endmacro %}


{% macro duckdb__materialize_derived_table() -%}
    {{ return(materialization_table_duckdb()) }}
{%- endmacro %}


{% macro spark__materialize_derived_table() -%}
    {{ return(materialization_table_spark()) }}
{%- endmacro %}
