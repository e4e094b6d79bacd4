{#- The time this dbt invocation started (UTC), as a SQL timestamp: marks
    the rows an incremental build wrote. -#}
{% macro run_timestamp() -%}
    cast('{{ run_started_at.strftime("%Y-%m-%d %H:%M:%S.%f") }}' as timestamp)
{%- endmacro %}
