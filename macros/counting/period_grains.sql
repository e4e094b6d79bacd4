{#- The reporting grains of the rate marts, finest first. -#}
{% macro period_grains() -%}
    {{ return(['day', 'week', 'month']) }}
{%- endmacro %}
