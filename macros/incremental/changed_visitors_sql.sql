{#- The visitors with change-log rows written after `processed_through`:
    the visitors an incremental build of a visitor-level model recomputes
    from all their rows. -#}
{% macro changed_visitors_sql(processed_through) -%}
    select distinct visitor_id
    from {{ change_log_relation() }}
    where
        visitor_id is not null
        {%- if processed_through is not none %}
        and processed_at > cast('{{ processed_through }}' as timestamp)
        {%- endif %}
{%- endmacro %}
