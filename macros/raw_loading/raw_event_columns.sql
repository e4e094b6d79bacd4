{#- The nine raw columns of SPEC section 1, in their order (which is also the
    order of the duplicate tie-break). -#}
{% macro raw_event_columns() -%}
    {{ return([
        'event_id', 'visitor_id', 'session_id', 'event_name', 'occurred_at',
        'page_url', 'referrer_url', 'user_agent', 'properties'
    ]) }}
{%- endmacro %}
