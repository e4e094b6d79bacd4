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
                    upstream_definition_ids(node, found), found) -%}
            {%- endif -%}
        {%- endif -%}
    {%- endfor -%}
{%- endmacro %}


{#- The unique ids a node's rows are computed from, for the fingerprint:
    its depends_on nodes, less the seeds of which it reads only a part
    (config meta `definitions_read_in_part`, seed name -> part). For those
    the part itself goes into `found`, so that a change elsewhere in the
    seed does not rebuild the node in full. The one part there is:
    'hold_constant keys' (of seed funnels: stg_events__classified keeps
    the values of the held keys only). -#}
{% macro upstream_definition_ids(node, found) -%}
    {%- set partial = (node.config.meta or {}).get('definitions_read_in_part', {})
        if node.config is defined else {} -%}
    {%- set ids = [] -%}
    {%- for unique_id in (node.depends_on.nodes if node.depends_on is defined else []) -%}
        {%- set upstream = graph.nodes.get(unique_id) -%}
        {%- set part = partial.get(upstream.name) if upstream is not none
            and upstream.resource_type == 'seed' else none -%}
        {%- if part is none -%}
            {%- do ids.append(unique_id) -%}
        {%- elif part == 'hold_constant keys' -%}
            {%- do found.update({part: hold_constant_keys() | join(',')}) -%}
        {%- else -%}
            {{ exceptions.raise_compiler_error(node.name ~ ": definitions_read_in_part "
                ~ "names an unknown part '" ~ part ~ "' of seed " ~ upstream.name) }}
        {%- endif -%}
    {%- endfor -%}
    {{ return(ids) }}
{%- endmacro %}
