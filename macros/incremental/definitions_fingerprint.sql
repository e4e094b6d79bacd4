{#- What a model's rows (this model's by default) are computed from, besides the raw rows: the
    checksum of every seed and model upstream of it (and of its own code)
    and the value of every var that changes results. A dict, name ->
    checksum or value; compared with the one recorded at the model's last
    build to decide whether an incremental build is sound. Read from the
    parsed project, no query. -#}
{% macro definitions_fingerprint(node=none) -%}
    {%- set node = node if node is not none else model -%}
    {%- set found = {} -%}
    {%- do found.update({'model ' ~ node.name: node.checksum.checksum}) -%}
    {%- do collect_upstream_definitions(node.depends_on.nodes, found) -%}
    {%- for name in result_changing_vars() -%}
        {%- do found.update({'var ' ~ name: var(name, none) | string}) -%}
    {%- endfor -%}
    {{ return(found) }}
{%- endmacro %}


{% macro collect_upstream_definitions(unique_ids, found) -%}
    {%- for unique_id in unique_ids -%}
        {%- set node = graph.nodes.get(unique_id) -%}
        {%- if node is not none and node.resource_type in ('seed', 'model') -%}
            {%- set key = node.resource_type ~ ' ' ~ node.name -%}
            {%- if key not in found -%}
                {%- do found.update({key: node.checksum.checksum}) -%}
                {%- do collect_upstream_definitions(
                    node.depends_on.nodes if node.depends_on is defined else [],
                    found) -%}
            {%- endif -%}
        {%- endif -%}
    {%- endfor -%}
{%- endmacro %}


{#- The vars whose value changes what an incremental model holds. A var
    that only shapes the marts (rebuilt in full by every build) need not be
    listed. -#}
{% macro result_changing_vars() -%}
    {{ return(['funnel_max_steps', 'spark_visitor_buckets']) }}
{%- endmacro %}


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
