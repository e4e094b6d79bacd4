{#- Parsing of SPEC section 1's time strings, in two steps so the pattern
    runs once per row:
      event_time_parts(text)   the pieces of the string (a struct), in one
                               select;
      event_time_from_parts(parts)  the UTC timestamp, or null, in the next.
    Accepted, after trimming ASCII whitespace: YYYY-MM-DD, `T` or a space,
    hh:mm or hh:mm:ss with an optional fraction (kept to the microsecond,
    truncated), then optionally Z, +hh:mm, -hh:mm, +hhmm or -hhmm. A
    calendar-impossible date or time (2026-02-30, 25:00, +24:00) is null,
    and so is year 0000 (years run 0001..9999). -#}
{% macro event_time_parts(text_expr) -%}
    {{ return(adapter.dispatch('event_time_parts', 'conversions')(text_expr)) }}
{%- endmacro %}


{% macro duckdb__event_time_parts(text_expr) -%}
    regexp_extract(
        {{ text_expr }},
        {{ event_time_pattern() }},
        ['day', 'hh', 'mi', 'ss', 'fraction', 'zone', 'sign', 'zh', 'zm']
    )
{%- endmacro %}


{#- Spark returns each group on its own (regexp_extract has no list of
    names); the same pattern, so the same strings parse. -#}
{% macro spark__event_time_parts(text_expr) -%}
    {%- set names = ['day', 'hh', 'mi', 'ss', 'fraction', 'zone', 'sign', 'zh', 'zm'] -%}
    named_struct(
    {%- for name in names %}
        '{{ name }}', regexp_extract({{ text_expr }}, {{ event_time_pattern() }}, {{ loop.index }}){{ ',' if not loop.last }}
    {%- endfor %}
    )
{%- endmacro %}
