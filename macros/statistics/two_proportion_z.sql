{#- The z statistic of the pooled two-proportion test; null where the test
    is undefined (see above). A model can keep it in a column and pass that
    column to normal_two_sided_p_value, which keeps the SQL short. -#}
{% macro two_proportion_z(x1, n1, x2, n2) -%}
    {%- set x1 = 'cast((' ~ x1 ~ ') as double)' -%}
    {%- set n1 = 'cast((' ~ n1 ~ ') as double)' -%}
    {%- set x2 = 'cast((' ~ x2 ~ ') as double)' -%}
    {%- set n2 = 'cast((' ~ n2 ~ ') as double)' -%}
    {%- set pooled = '((' ~ x1 ~ ' + ' ~ x2 ~ ') / (' ~ n1 ~ ' + ' ~ n2 ~ '))' -%}
    {%- set se = 'sqrt(' ~ pooled ~ ' * (1 - ' ~ pooled ~ ') * (1 / ' ~ n1 ~ ' + 1 / ' ~ n2 ~ '))' -%}
    (case
        when {{ n1 }} is null or {{ n1 }} = 0 or {{ n2 }} is null or {{ n2 }} = 0 then null
        when {{ x1 }} is null or {{ x2 }} is null then null
        when {{ x1 }} < 0 or {{ x1 }} > {{ n1 }} or {{ x2 }} < 0 or {{ x2 }} > {{ n2 }} then null
        when {{ x1 }} + {{ x2 }} = 0 or {{ x1 }} + {{ x2 }} = {{ n1 }} + {{ n2 }} then null
        else ({{ x1 }} / {{ n1 }} - {{ x2 }} / {{ n2 }}) / {{ se }}
    end)
{%- endmacro %}
