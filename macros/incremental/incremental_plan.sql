{#- How this build writes an incremental model (this one by default, or
    the graph node given): a dict with
      mode         'full' (the whole table from all rows) or 'incremental'
                   (only the changed rows, see visitor_incremental);
      reason       why, in words, for the log and model_builds;
      definitions  the fingerprint of this build (definitions_fingerprint);
      previous     the latest build record, or none.
    Full when the table does not exist, on --full-refresh, when the model
    has no build record, and when a definition it depends on changed since
    its last build: the result then equals a full refresh. Reads only. -#}
{% macro incremental_plan(node=none) -%}
    {%- set node = node if node is not none else model -%}
    {%- set definitions = definitions_fingerprint(node) -%}
    {%- set plan = {'definitions': definitions, 'previous': none} -%}
    {%- set existing = adapter.get_relation(node.database, node.schema, node.alias) -%}
    {%- if existing is none -%}
        {%- do plan.update({'mode': 'full', 'reason': 'new table'}) -%}
    {%- elif existing.type != 'table' -%}
        {%- do plan.update({'mode': 'full', 'reason': 'replaces a ' ~ existing.type}) -%}
    {%- elif (node.config.get('full_refresh') if node.config.get('full_refresh') is not none
        else flags.FULL_REFRESH) -%}
        {%- do plan.update({'mode': 'full', 'reason': 'full refresh'}) -%}
    {%- else -%}
        {%- set previous = latest_model_build(model_build_name(node)) -%}
        {%- do plan.update({'previous': previous}) -%}
        {%- if previous is none -%}
            {%- do plan.update({'mode': 'full', 'reason': 'no build record'}) -%}
        {%- else -%}
            {%- set changed = changed_definitions(previous.definitions, definitions) -%}
            {%- if changed | length > 0 -%}
                {%- do plan.update({'mode': 'full',
                    'reason': 'definitions changed: ' ~ changed | join(', ')}) -%}
            {%- else -%}
                {%- do plan.update({'mode': 'incremental', 'reason': 'new rows'}) -%}
            {%- endif -%}
        {%- endif -%}
    {%- endif -%}
    {{ return(plan) }}
{%- endmacro %}
