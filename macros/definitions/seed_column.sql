{#- An optional seed column, typed: `alias.column` cast to `data_type` when
    the built seed `relation` has the column, else a typed null. A user's
    seed without the column (SPEC section 5) then reads as all defaults.
    The relation is looked up at execution; at parse time the column is
    assumed present. -#}
{% macro seed_column(relation, column, data_type, alias) -%}
    {%- set present = true -%}
    {%- if execute -%}
        {%- set names = adapter.get_columns_in_relation(relation)
            | map(attribute='name') | map('lower') | list -%}
        {%- set present = column | lower in names -%}
    {%- endif -%}
    {%- if present -%}
        cast({{ alias }}.{{ column }} as {{ data_type }})
    {%- else -%}
        cast(null as {{ data_type }})
    {%- endif -%}
{%- endmacro %}
