{#- Whether the data have passed final_after: data_through strictly later
    than final_after (an event exactly at final_after is not enough); false
    without data (docs: finality_rule). -#}
{% macro is_final(data_through, final_after) -%}
    coalesce({{ data_through }} > {{ final_after }}, false)
{%- endmacro %}
