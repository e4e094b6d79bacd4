{#- In an incremental build of a visitor-level model, `and <column> in
    (the changed visitors)` to append to a where clause; nothing in a full
    build. -#}
{% macro changed_visitors_filter(column='visitor_id') -%}
    {%- if is_incremental() -%}
        and {{ column }} in ({{ changed_visitors_sql() }})
    {%- endif -%}
{%- endmacro %}
