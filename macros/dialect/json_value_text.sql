{#- The value of top-level `key` (letters, digits, _) of a JSON object
    text, as text: a string without its quotes, a number or boolean as the
    engine writes it, an object or array as JSON; null when the text is not
    a JSON object, lacks the key, or holds JSON null there. The same on
    every engine: DuckDB's json_extract_string (after json_valid, as an
    invalid text is an error there), Spark's get_json_object (null on
    invalid JSON). -#}
{% macro json_value_text(json_expr, key) -%}
    {{ return(adapter.dispatch('json_value_text', 'conversions')(json_expr, key)) }}
{%- endmacro %}


{% macro default__json_value_text(json_expr, key) -%}
    case
        when json_valid({{ json_expr }})
            then json_extract_string({{ json_expr }}, '$."{{ key }}"')
    end
{%- endmacro %}


{% macro spark__json_value_text(json_expr, key) -%}
    get_json_object({{ json_expr }}, '$.{{ key }}')
{%- endmacro %}
