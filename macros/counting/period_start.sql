{#- The first day of the day, week (Monday) or month holding a date. -#}
{% macro period_start(grain, date_expr) -%}
    {{ return(adapter.dispatch('period_start', 'conversions')(grain, date_expr)) }}
{%- endmacro %}

{% macro default__period_start(grain, date_expr) -%}
    {%- if grain == 'day' -%}
        {{ date_expr }}
    {%- else -%}
        cast(date_trunc('{{ grain }}', {{ date_expr }}) as date)
    {%- endif -%}
{%- endmacro %}
