{#- Stops the build when `present` (column names of one file) lacks any of
    the nine raw columns. -#}
{% macro check_raw_columns(path, file, present) -%}
    {%- set missing = [] -%}
    {%- for column in raw_event_columns() -%}
        {%- if column not in present -%}
            {%- do missing.append(column) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if missing | length > 0 -%}
        {{ exceptions.raise_compiler_error(
            "Raw events file '" ~ file ~ "' lacks the required column(s) "
            ~ missing | join(', ') ~ " (RAW_EVENTS_PATH '" ~ path ~ "'); "
            ~ "every file needs: " ~ raw_event_columns() | join(', ')) }}
    {%- endif -%}
{%- endmacro %}
