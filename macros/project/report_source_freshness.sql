{#- on-run-end of `dbt source freshness`: says in words what the raw
    source's status means, for example
      raw.events: the newest event (2026-10-21 21:20:20 UTC) is 1121.7 hours
      old; warn after 24 h, error after 72 h (var raw_events_freshness,
      docs/operations.md "Source freshness")
    Other commands have no source freshness results: it says nothing. -#}
{% macro report_source_freshness(results) -%}
    {%- if not execute -%}
        {{ return('') }}
    {%- endif -%}
    {%- set hours = var('raw_events_freshness') -%}
    {%- for result in results -%}
        {%- if result.node.resource_type == 'source'
            and result.max_loaded_at is defined
            and result.max_loaded_at is not none -%}
            {%- do log(
                result.node.source_name ~ '.' ~ result.node.name
                ~ ': the newest event ('
                ~ result.max_loaded_at.strftime('%Y-%m-%d %H:%M:%S')
                ~ ' UTC) is ' ~ '%.1f' | format(result.age / 3600)
                ~ ' hours old; warn after ' ~ hours['warn_after_hours']
                ~ ' h, error after ' ~ hours['error_after_hours']
                ~ ' h (var raw_events_freshness, docs/operations.md'
                ~ ' "Source freshness"): ' ~ result.status | string | upper,
                info=true) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return('') }}
{%- endmacro %}
