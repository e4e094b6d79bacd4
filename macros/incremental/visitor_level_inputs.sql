{#- The relations of this model's visitor-level inputs (its direct
    visitor_incremental parents), as the compiled SQL names them. -#}
{% macro visitor_level_inputs() -%}
    {%- set inputs = [] -%}
    {%- for unique_id in model.depends_on.nodes -%}
        {%- set node = graph.nodes.get(unique_id) -%}
        {%- if node is not none and node.resource_type == 'model'
            and node.config.materialized == 'visitor_incremental' -%}
            {%- do inputs.append(api.Relation.create(
                database=node.database, schema=node.schema,
                identifier=node.alias, type='table')) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(inputs) }}
{%- endmacro %}
