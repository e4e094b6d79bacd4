{#- dbt's is_incremental(), also true for a visitor_incremental model that
    this build writes incrementally (see incremental_plan): a model that
    reads its own table asks this. -#}
{% macro is_incremental() -%}
    {%- if not execute -%}
        {{ return(false) }}
    {%- endif -%}
    {%- if model.config.materialized == 'visitor_incremental' -%}
        {{ return(incremental_plan().mode == 'incremental') }}
    {%- endif -%}
    {{ return(dbt.is_incremental()) }}
{%- endmacro %}
