{#- The var reporting_timezone (SPEC section 6), checked: an IANA time zone
    name known to the tz database (pytz's list), else the build stops
    naming it. Also a result-changing var (result_changing_vars): a change
    rebuilds every model in full. -#}
{% macro reporting_timezone() -%}
    {%- set zone = var('reporting_timezone', 'UTC') | string | trim -%}
    {%- if zone not in modules.pytz.all_timezones_set -%}
        {{ exceptions.raise_compiler_error(
            "var reporting_timezone: unknown time zone '" ~ zone
            ~ "' (expected an IANA name such as Europe/Berlin or UTC)") }}
    {%- endif -%}
    {{ return(zone) }}
{%- endmacro %}
