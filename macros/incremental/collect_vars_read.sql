{#- Adds to `found` the value of every var that `node`'s code reads
    (`var('name'` or `var("name"`), as 'var <name>'. -#}
{% macro collect_vars_read(node, found) -%}
    {%- for name in modules.re.findall("var\\(\\s*['\"](\\w+)['\"]", node.raw_code or '') -%}
        {%- do found.update({'var ' ~ name: var(name, none) | string}) -%}
    {%- endfor -%}
{%- endmacro %}
