{% macro change_log_relation() -%}
    {%- set node = change_log_node() -%}
    {%- if node is none -%}
        {{ return(api.Relation.create(identifier='change_log')) }}
    {%- endif -%}
    {{ return(api.Relation.create(
        database=node.database, schema=node.schema,
        identifier=node.alias, type='table')) }}
{%- endmacro %}
