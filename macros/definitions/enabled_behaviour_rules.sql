{#- The behavioural bot rules switched on in seeds/bot_behaviour_rules.csv
    (enabled true), sorted by rule_id: a list of {rule_id, max_events (a
    whole number), per_seconds (a number)}, read when the model runs (none
    at parse time). Written into the SQL as numbers and a quoted text, so
    a seed value cannot change the statement; the definition test
    assert_bot_behaviour_rules_valid checks them before any model reads
    them. Unit tests set it with a macro override. -#}
{% macro enabled_behaviour_rules() -%}
    {%- set seed = ref('bot_behaviour_rules') if execute else none -%}
    {#- none at parse time, nor before the seed is loaded (a linter
        compiling the project on an empty database) -#}
    {%- if seed is none or adapter.get_relation(seed.database, seed.schema,
        seed.identifier) is none -%}
        {{ return([]) }}
    {%- endif -%}
    {%- set found = run_query(
        'select rule_id, max_events, per_seconds from '
        ~ seed
        ~ ' where enabled and rule_id is not null order by rule_id') -%}
    {%- set rules = [] -%}
    {%- for row in found.rows -%}
        {%- do rules.append({
            'rule_id': row[0] | string,
            'max_events': row[1] | int,
            'per_seconds': row[2] | float,
        }) -%}
    {%- endfor -%}
    {{ return(rules) }}
{%- endmacro %}
