{#- An aggregate mart holds no per-person column (SPEC section 4). -#}
{% test has_no_per_visitor_columns(model) %}
{%- set personal = [
    'visitor_id', 'session_id', 'user_id', 'event_id', 'user_agent',
    'page_url', 'referrer_url', 'ip', 'ip_address', 'email', 'properties'
] %}
select column_name
from information_schema.columns
where
    lower(table_schema) = lower('{{ model.schema }}')
    and lower(table_name) = lower('{{ model.identifier }}')
    and lower(column_name) in (
        {%- for name in personal %}
        '{{ name }}'{{ ',' if not loop.last }}
        {%- endfor %}
    )
{% endtest %}
