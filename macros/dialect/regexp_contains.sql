{#- Regular expressions the same way on every engine. Patterns are string
    literals read as written (no backslash unescaping: DuckDB's default,
    Spark's spark.sql.parser.escapedStringLiterals in profiles.yml), and
    keep to the syntax RE2 (DuckDB) and java.util.regex (Spark) read
    alike: no \s (RE2 leaves out the vertical tab, Java does not), no
    backreferences.
      regexp_contains(text, pattern)   the pattern matches somewhere
      regexp_group(text, pattern, n)   group n of the first match ('' when
                                       none; 0 is the whole match)
      regexp_replace_all(text, pattern, replacement)  every match
                                       replaced by a literal text -#}
{% macro regexp_contains(text_expr, pattern) -%}
    {{ return(adapter.dispatch('regexp_contains', 'conversions')(text_expr, pattern)) }}
{%- endmacro %}


{% macro default__regexp_contains(text_expr, pattern) -%}
    regexp_matches({{ text_expr }}, {{ pattern }})
{%- endmacro %}


{% macro spark__regexp_contains(text_expr, pattern) -%}
    ({{ text_expr }} rlike {{ pattern }})
{%- endmacro %}
