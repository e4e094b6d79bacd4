{#- What a model's rows (this model's by default) are computed from, besides the raw rows: the
    checksum of every seed and model upstream of it (and of its own code)
    and the value of every var that changes results: each var that it or
    an upstream model reads (`var('name'` in the code), and those of
    result_changing_vars (read by macros). A dict, name ->
    checksum or value; compared with the one recorded at the model's last
    build to decide whether an incremental build is sound. Read from the
    parsed project; a model that reads only a part of a seed records that
    part instead of its checksum (upstream_definition_ids: the held keys of
    the funnels seed, one query). -#}
{% macro definitions_fingerprint(node=none) -%}
    {%- set node = node if node is not none else model -%}
    {%- set found = {} -%}
    {%- do found.update({'model ' ~ model_build_name(node): node.checksum.checksum}) -%}
    {%- do collect_vars_read(node, found) -%}
    {%- do collect_upstream_definitions(upstream_definition_ids(node, found), found) -%}
    {%- for name in result_changing_vars() -%}
        {%- do found.update({'var ' ~ name: var(name, none) | string}) -%}
    {%- endfor -%}
    {{ return(found) }}
{%- endmacro %}
