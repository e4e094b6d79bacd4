{#- The vars whose value changes what an incremental model holds. A var
    that only shapes the marts (rebuilt in full by every build) need not be
    listed. -#}
{% macro result_changing_vars() -%}
    {{ return(['funnel_max_steps', 'spark_visitor_buckets', 'reporting_timezone']) }}
{%- endmacro %}
