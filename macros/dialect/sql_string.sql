{#- A SQL string literal holding `value`, so a path or a name with quotes
    never changes the statement it is put in. DuckDB: quotes doubled.
    Spark (string literals read as written, see profiles.yml): a quote or a
    backslash cannot appear inside a literal, so each is spliced in with
    chr(). -#}
{% macro sql_string(value) -%}
    {{ return(adapter.dispatch('sql_string', 'conversions')(value)) }}
{%- endmacro %}

{% macro default__sql_string(value) -%}
    '{{ value | string | replace("'", "''") }}'
{%- endmacro %}

{% macro spark__sql_string(value) -%}
    {%- set text = value | string -%}
    {%- if "'" in text or "\\" in text -%}
        ('{{ text | replace("'", "' || chr(39) || '") | replace("\\", "' || chr(92) || '") }}')
    {%- else -%}
        '{{ text }}'
    {%- endif -%}
{%- endmacro %}
