{% macro event_time_from_parts(parts) -%}
    {{ return(adapter.dispatch('event_time_from_parts', 'conversions')(parts)) }}
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
