{#- The moment after which a period's or cohort's figures are final: the
    end of the period (the midnight after its last day, `end_date`) plus
    `days` days, as a timestamp (docs: finality_rule). -#}
{% macro final_after(end_date, days) -%}
    cast({{ dbt.dateadd('day', days, end_date) }} as timestamp)
{%- endmacro %}
