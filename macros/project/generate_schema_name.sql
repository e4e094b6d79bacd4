{#- Custom schemas are used as named (`marts`, not `main_marts`), so the
    BI-facing names are the ones in SPEC section 4. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
