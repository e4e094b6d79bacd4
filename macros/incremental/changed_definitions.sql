{#- The names whose checksum or value differs between two fingerprints,
    sorted: "seed goals, var funnel_max_steps". -#}
{% macro changed_definitions(before, after) -%}
    {%- set changed = [] -%}
    {%- for name in (before.keys() | list + after.keys() | list) | unique | sort -%}
        {%- if before.get(name) != after.get(name) -%}
            {%- do changed.append(name) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(changed) }}
{%- endmacro %}
