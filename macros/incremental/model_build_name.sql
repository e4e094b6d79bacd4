{#- A model's name in platform.model_builds and in definition
    fingerprints: its name, and for a version of a versioned model its
    name and version (`fct_funnel_diagnosis.v2`), so that two versions of
    one model keep build records of their own. -#}
{% macro model_build_name(node) -%}
    {%- set version = node.version if node.version is defined else none -%}
    {{ return(node.name ~ ('.v' ~ version if version is not none else '')) }}
{%- endmacro %}
