{#- on-run-end: reports the rows of audit.unmatched_definitions (goals that
    matched no counted event, funnels without entrants) by name, as a
    warning, or, when the var fail_on_unmatched_definitions is true, as a
    hook whose query fails with the same message (the command then ends
    with an error and exit code 1). Only when this command built the table
    (or found it current): a run that did not select it reports nothing
    rather than a stale list. Reads only; nothing in `dbt compile` or
    `dbt docs generate`. -#}
{% macro report_unmatched_definitions(results) -%}
    {%- set fail = var('fail_on_unmatched_definitions', false) -%}
    {%- if fail is not sameas true and fail is not sameas false -%}
        {%- do exceptions.raise_compiler_error(
            'var fail_on_unmatched_definitions must be true or false, not '
            ~ fail | string) -%}
    {%- endif -%}
    {%- if not is_building() -%}
        {{ return('') }}
    {%- endif -%}
    {%- set relations = [] -%}
    {%- for result in results -%}
        {%- if result.node.resource_type == 'model'
            and result.node.package_name == project_name
            and result.node.name == 'unmatched_definitions'
            and result.status == 'success' -%}
            {%- do relations.append(result.node.relation_name) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if relations -%}
        {%- set problems = run_query(
            'select problem from ' ~ relations[0]
            ~ ' order by definition_kind desc, definition_id'
        ).columns[0].values() -%}
        {%- if problems | length > 0 -%}
            {%- set message = problems | length ~ ' definition(s) matched'
                ~ ' nothing, so nothing is counted for them; check their'
                ~ ' event_name and page_path_pattern against what was seen'
                ~ ' (audit.unmatched_definitions; this fails the build when'
                ~ ' var fail_on_unmatched_definitions is true, now '
                ~ (fail | string | lower) ~ '):\n  - '
                ~ problems | join('\n  - ') -%}
            {%- if fail -%}
                {{ return('select ' ~ raise_error_sql(sql_string(message))) }}
            {%- else -%}
                {%- do exceptions.warn('[WARNING]: ' ~ message) -%}
            {%- endif -%}
        {%- endif -%}
    {%- endif -%}
    {{ return('') }}
{%- endmacro %}
