{% macro regexp_replace_all(text_expr, pattern, replacement) -%}
    {{ return(adapter.dispatch('regexp_replace_all', 'conversions')(text_expr, pattern, replacement)) }}
{%- endmacro %}


{% macro default__regexp_replace_all(text_expr, pattern, replacement) -%}
    regexp_replace({{ text_expr }}, {{ pattern }}, {{ replacement }}, 'g')
{%- endmacro %}


{% macro spark__regexp_replace_all(text_expr, pattern, replacement) -%}
    regexp_replace({{ text_expr }}, {{ pattern }}, {{ replacement }})
{%- endmacro %}
