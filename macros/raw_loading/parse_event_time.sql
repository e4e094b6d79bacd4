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

{% macro event_time_from_parts(parts) -%}
    {{ return(adapter.dispatch('event_time_from_parts', 'conversions')(parts)) }}
{%- endmacro %}

{#- The accepted spellings, groups in the order of event_time_parts. -#}
{% macro event_time_pattern() -%}
    '^[ \t\n\r\x0B\f]*([0-9]{4}-[0-9]{2}-[0-9]{2})[T ]([0-9]{2}):([0-9]{2})'
    || '(?::([0-9]{2})(?:[.]([0-9]+))?)?(Z|([+-])([0-9]{2}):?([0-9]{2}))?'
    || '[ \t\n\r\x0B\f]*$'
{%- endmacro %}

{% macro duckdb__event_time_parts(text_expr) -%}
    regexp_extract(
        {{ text_expr }},
        {{ event_time_pattern() }},
        ['day', 'hh', 'mi', 'ss', 'fraction', 'zone', 'sign', 'zh', 'zm']
    )
{%- endmacro %}

{% macro duckdb__event_time_from_parts(p) -%}
    case
        when {{ p }}.day <> ''
            and {{ p }}.day not like '0000-%'
            and try_cast({{ p }}.hh as integer) < 24
            and try_cast({{ p }}.mi as integer) < 60
            and coalesce(try_cast(nullif({{ p }}.ss, '') as integer), 0) < 60
            and coalesce(try_cast(nullif({{ p }}.zh, '') as integer), 0) < 24
            and coalesce(try_cast(nullif({{ p }}.zm, '') as integer), 0) < 60
            then try_cast({{ p }}.day as date)
                + to_hours(try_cast({{ p }}.hh as bigint))
                + to_minutes(try_cast({{ p }}.mi as bigint))
                + to_seconds(coalesce(try_cast(nullif({{ p }}.ss, '') as bigint), 0))
                + to_microseconds(coalesce(try_cast(
                    rpad(left(nullif({{ p }}.fraction, ''), 6), 6, '0') as bigint
                ), 0))
                - to_minutes(
                    case {{ p }}.sign when '-' then -1 else 1 end
                    * coalesce(
                        try_cast(nullif({{ p }}.zh, '') as bigint) * 60
                        + try_cast(nullif({{ p }}.zm, '') as bigint),
                        0
                    )
                )
    end
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

{% macro spark__event_time_from_parts(p) -%}
    case
        when {{ p }}.day <> ''
            and {{ p }}.day not like '0000-%'
            and try_cast({{ p }}.hh as int) < 24
            and try_cast({{ p }}.mi as int) < 60
            and coalesce(try_cast(nullif({{ p }}.ss, '') as int), 0) < 60
            and coalesce(try_cast(nullif({{ p }}.zh, '') as int), 0) < 24
            and coalesce(try_cast(nullif({{ p }}.zm, '') as int), 0) < 60
            then timestamp_micros(
                unix_micros(cast(try_cast({{ p }}.day as date) as timestamp))
                + try_cast({{ p }}.hh as bigint) * 3600000000
                + try_cast({{ p }}.mi as bigint) * 60000000
                + coalesce(try_cast(nullif({{ p }}.ss, '') as bigint), 0) * 1000000
                + coalesce(try_cast(
                    rpad(left(nullif({{ p }}.fraction, ''), 6), 6, '0') as bigint
                ), 0)
                - case {{ p }}.sign when '-' then -1 else 1 end
                * coalesce(
                    try_cast(nullif({{ p }}.zh, '') as bigint) * 60
                    + try_cast(nullif({{ p }}.zm, '') as bigint),
                    0
                ) * 60000000
            )
    end
{%- endmacro %}
