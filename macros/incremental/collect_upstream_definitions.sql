{% macro collect_upstream_definitions(unique_ids, found) -%}
    {%- for unique_id in unique_ids -%}
        {%- set node = graph.nodes.get(unique_id) -%}
        {%- if node is not none and node.resource_type in ('seed', 'model') -%}
            {%- set key = node.resource_type ~ ' ' ~ (model_build_name(node)
                if node.resource_type == 'model' else node.name) -%}
            {%- if key not in found -%}
                {%- do found.update({key: node.checksum.checksum}) -%}
                {%- do collect_vars_read(node, found) -%}
                {%- do collect_upstream_definitions(
                    node.depends_on.nodes if node.depends_on is defined else [],
                    found) -%}
            {%- endif -%}
        {%- endif -%}
    {%- endfor -%}
{%- endmacro %}
