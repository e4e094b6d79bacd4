{#- platform.published_figures: every row of the restated marts as the
    latest build left it (key, counts, whether final), the state that the
    next build's audit.restatements compares with. Created empty at run
    start (create_published_figures), rewritten by restatements' post-hooks. -#}
{% macro published_figures_relation() -%}
    {{ return(api.Relation.create(
        database=(target.database if target.database is defined else none),
        schema='platform', identifier='published_figures',
        type='table')) }}
{%- endmacro %}
