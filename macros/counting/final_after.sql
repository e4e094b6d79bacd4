{#- The moment after which a period's or cohort's figures are final: the
    end of the period (the local midnight after its last day, `end_date`)
    plus `days` days, as a UTC timestamp (docs: finality_rule; local
    midnights: local_midnight_utc). -#}
{% macro final_after(end_date, days) -%}
    {{ local_midnight_utc(dbt.dateadd('day', days, end_date)) }}
{%- endmacro %}
