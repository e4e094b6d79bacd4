{#- The change log of the visitor-level models: the one visitor_incremental
    model with a unique_key (it decides each raw row's fate and stamps the
    rows it writes with processed_at). Found in the parsed project. -#}
{% macro change_log_node() -%}
    {%- if not execute -%}
        {{ return(none) }}
    {%- endif -%}
    {%- for node in graph.nodes.values() -%}
        {%- if node.resource_type == 'model'
            and node.config.materialized == 'visitor_incremental'
            and node.config.get('unique_key') -%}
            {{ return(node) }}
        {%- endif -%}
    {%- endfor -%}
    {{ exceptions.raise_compiler_error(
        "No visitor_incremental model with a unique_key: the change log of"
        ~ " the visitor-level models is missing") }}
{%- endmacro %}
