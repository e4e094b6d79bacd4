{#- The accepted spellings, groups in the order of event_time_parts. -#}
{% macro event_time_pattern() -%}
    '^[ \t\n\r\x0B\f]*([0-9]{4}-[0-9]{2}-[0-9]{2})[T ]([0-9]{2}):([0-9]{2})'
    || '(?::([0-9]{2})(?:[.]([0-9]+))?)?(Z|([+-])([0-9]{2}):?([0-9]{2}))?'
    || '[ \t\n\r\x0B\f]*$'
{%- endmacro %}
