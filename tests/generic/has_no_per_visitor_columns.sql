{#- An aggregate mart holds no per-person column (SPEC section 4): one row
    per such column found in the built relation. -#}
{% test has_no_per_visitor_columns(model) %}
{%- set personal = [
    'visitor_id', 'session_id', 'user_id', 'event_id', 'user_agent',
    'page_url', 'referrer_url', 'ip', 'ip_address', 'email', 'properties'
] %}
{%- set found = [] %}
{%- if execute %}
    {%- for column in adapter.get_columns_in_relation(model) %}
        {%- if column.name | lower in personal %}
            {%- do found.append(column.name | lower) %}
        {%- endif %}
    {%- endfor %}
{%- endif %}
{%- for name in found %}
select '{{ name }}' as column_name
union all
{%- endfor %}
select cast(null as string) as column_name
where 1 = 0
{% endtest %}
