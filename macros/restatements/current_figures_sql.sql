{#- One row per row of every restated mart as this build made it: mart,
    row_key ('column=value, ...' over its grain), figures ('column=count,
    ...'), is_final, final_after, data_through, and definitions (an MD5 of the mart's
    definitions fingerprint: what it is computed from besides the raw rows).
    At parse time (no graph to read), the fingerprint is empty. -#}
{% macro current_figures_sql() -%}
    {%- set text_type = api.Column.translate_type('string') -%}
    {%- for mart in restated_marts() %}
    {%- set node = (graph.get('nodes') or {}).values()
        | selectattr('resource_type', 'equalto', 'model')
        | selectattr('name', 'equalto', mart.name)
        | sort(attribute='unique_id') | list -%}
    {%- set definitions = local_md5(definitions_fingerprint(node[-1]) | tojson)
        if execute and node else '' %}
    select
        '{{ mart.name }}' as mart,
        {%- for part in [('key', mart.key), ('figures', mart.figures)] %}
        {% for column in part[1] -%}
        '{{ column }}=' || coalesce(cast({{ column }} as {{ text_type }}), '(null)')
        {{- " || ', ' ||" if not loop.last }}
        {% endfor -%}
        as {{ 'row_key' if part[0] == 'key' else 'figures' }},
        {%- endfor %}
        is_final,
        final_after,
        data_through,
        '{{ definitions }}' as definitions
    from {{ ref(mart.name) }}
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}
{%- endmacro %}
