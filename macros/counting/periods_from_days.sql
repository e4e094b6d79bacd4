{#- Rows of `relation` (distinct `keys` plus activity_date, one row per key
    and day) rolled up to one row per key, period_grain and period_start
    for every grain: a key active on several days of a week is one row in
    that week. -#}
{% macro periods_from_days(relation, keys) -%}
    {%- for grain in period_grains() %}
    select distinct
        {%- for key in keys %}
        {{ key }},
        {%- endfor %}
        '{{ grain }}' as period_grain,
        {{ period_start(grain, 'activity_date') }} as period_start
    from {{ relation }}
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
{%- endmacro %}
