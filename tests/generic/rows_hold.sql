{#- Every row of the model holds every rule: one data test (one dbt node,
    one scan) per model instead of one per rule. The test returns each row
    that breaks a rule, with `broken_rules` first naming every rule the row
    breaks (comma-separated); no rows: the test passes.

    Arguments, all optional:
    - rules: {name: condition}. A row breaks the rule where the condition is
      false or null, as expression_is_true. A condition may use window
      functions (lag(...) over (...)) to compare a row with its neighbours.
      Names are plain text without quotes.
    - rates: columns that are null or between 0 and 1 (as is_rate: a null
      passes); each is the rule "<column> is a rate".
    - unique: columns whose combination is unique (nulls equal, as in a
      group by); every row of a repeated key is returned. Where DuckDB can
      hold the key, a `primary_key` constraint in the contract is cheaper.
    - no_per_visitor_columns: true for an aggregate mart, which holds no
      per-person column (SPEC section 4). If the relation has one, the test
      returns one row per such column instead of the rows.

    The contract's constraints: DuckDB enforces a model's not_null,
    primary_key and unique constraints when the table is written (an
    enforced contract on a table or incremental model), so the test does not
    repeat them there. Elsewhere (Spark: dbt-spark applies no constraint to
    Parquet tables; a model without an enforced contract) it checks them
    too, as "<column> is not null" and "key (<columns>) is unique", so every
    rule holds on every target. -#}
{% test rows_hold(model, rules={}, rates=[], unique=none, no_per_visitor_columns=false) %}
{%- set checks = [] %}
{%- set keys = [] %}
{%- for name, condition in rules.items() %}
    {%- do checks.append((name, 'not coalesce((' ~ condition ~ '), false)')) %}
{%- endfor %}
{%- for column in rates %}
    {%- do checks.append((column ~ ' is a rate',
        'coalesce(' ~ column ~ ' < 0 or ' ~ column ~ ' > 1, false)')) %}
{%- endfor %}
{%- if unique %}
    {%- do keys.append(unique) %}
{%- endif %}

{%- set personal_columns = [] %}
{%- set kept = namespace(value=false) %}
{%- if execute %}
    {#- The model's node, for its constraints. -#}
    {%- set nodes = graph.nodes.values()
        | selectattr('resource_type', 'equalto', 'model')
        | selectattr('alias', 'equalto', model.identifier)
        | selectattr('schema', 'equalto', model.schema)
        | list %}
    {%- if nodes | length == 1 and kept_by_this_build(nodes[0]) %}
        {%- set kept.value = true %}
    {%- endif %}
    {%- for node in nodes %}
        {%- set engine_enforces = target.type == 'duckdb'
            and node.config.contract.enforced
            and node.config.materialized in ['table', 'incremental', 'derived_table'] %}
        {%- if not engine_enforces %}
            {%- set not_null = [] %}
            {%- for constraint in node.constraints %}
                {%- if constraint.type in ['primary_key', 'unique'] %}
                    {%- do keys.append(constraint.columns) %}
                {%- endif %}
                {%- if constraint.type == 'primary_key' %}
                    {%- do not_null.extend(constraint.columns) %}
                {%- endif %}
            {%- endfor %}
            {%- for column in node.columns.values() %}
                {%- for constraint in column.constraints %}
                    {%- if constraint.type in ['primary_key', 'unique'] %}
                        {%- do keys.append([column.name]) %}
                    {%- endif %}
                    {%- if constraint.type in ['primary_key', 'not_null'] %}
                        {%- do not_null.append(column.name) %}
                    {%- endif %}
                {%- endfor %}
            {%- endfor %}
            {%- for column in not_null | unique %}
                {%- do checks.append((column ~ ' is not null', column ~ ' is null')) %}
            {%- endfor %}
        {%- endif %}
    {%- endfor %}

    {%- if no_per_visitor_columns %}
        {%- set personal = [
            'visitor_id', 'session_id', 'user_id', 'event_id', 'user_agent',
            'page_url', 'referrer_url', 'ip', 'ip_address', 'email', 'properties'
        ] %}
        {%- for column in adapter.get_columns_in_relation(model) %}
            {%- if column.name | lower in personal %}
                {%- do personal_columns.append(column.name | lower) %}
            {%- endif %}
        {%- endfor %}
    {%- endif %}
{%- endif %}

{%- for name, _ in checks %}
    {%- if "'" in name or '\\' in name %}
        {{ exceptions.raise_compiler_error("rows_hold: rule name " ~ name ~ " has a quote or backslash") }}
    {%- endif %}
{%- endfor %}

{%- if kept.value %}
-- kept as it is by this build: its rows were checked by the build that wrote them
select cast(null as string) as broken_rules
where 1 = 0
{%- elif personal_columns %}
{%- for name in personal_columns %}
select 'no per-visitor column ({{ name }} found)' as broken_rules
{%- if not loop.last %}
union all
{%- endif %}
{%- endfor %}

{%- elif checks or keys %}
{%- for key in keys %}
{#- One group by per key (cheaper than a window count), joined back to
    return the rows that share a repeated key. -#}
select
    'key ({{ key | join(", ") }}) is unique' as broken_rules,
    rows_checked.*
from (select * from {{ model }}) as rows_checked
inner join (
    select {{ key | join(', ') }}
    from {{ model }}
    group by {{ key | join(', ') }}
    having count(*) > 1
) as repeated_keys
    on
    {%- for column in key %}
        {% if not loop.first %}and {% endif -%}
        rows_checked.{{ column }} is not distinct from repeated_keys.{{ column }}
    {%- endfor %}
union all
{% endfor %}
{%- if checks %}
select *
from (
    select
        concat_ws(
            ', '
            {%- for name, broken in checks %},
            case when {{ broken }} then '{{ name }}' end
            {%- endfor %}
        ) as broken_rules,
        rows_checked.*
    from (select * from {{ model }}) as rows_checked
) as checked
where broken_rules <> ''
{%- else %}
select cast(null as string) as broken_rules, rows_checked.*
from (select * from {{ model }}) as rows_checked
where 1 = 0
{%- endif %}

{%- else %}
select cast(null as string) as broken_rules
where 1 = 0
{%- endif %}
{% endtest %}
