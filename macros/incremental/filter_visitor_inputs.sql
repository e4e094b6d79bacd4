{#- `sql` with every visitor-level input read as the rows of the changed
    visitors only. A visitor-level model's rows of a visitor depend only on
    that visitor's input rows (and the definitions), so this computes
    exactly the changed visitors' rows. An input the SQL does not name as
    expected stops the build: unfiltered, it would duplicate rows. -#}
{% macro filter_visitor_inputs(sql, changed_visitors) -%}
    {%- set filtered = [sql] -%}
    {%- for relation in visitor_level_inputs() -%}
        {%- set name = relation | string -%}
        {%- set pattern = modules.re.escape(name) ~ '(?![A-Za-z0-9_])' -%}
        {%- if not modules.re.search(pattern, filtered[0]) -%}
            {{ exceptions.raise_compiler_error(
                model.name ~ ": cannot find its input " ~ name
                ~ " in the compiled SQL to read only the changed visitors") }}
        {%- endif -%}
        {%- set replacement = '(select * from ' ~ name ~ ' where visitor_id in'
            ~ ' (select visitor_id from ' ~ changed_visitors ~ '))' -%}
        {%- do filtered.append(modules.re.sub(
            pattern, replacement | replace('\\', '\\\\'), filtered.pop())) -%}
    {%- endfor -%}
    {{ return(filtered[0]) }}
{%- endmacro %}
