{#- Body of a definition test: `problems_sql` selects one text column,
    `problem`, one row per broken goal or funnel. No rows: the test passes.
    Any row: the query fails with every problem in the message, so the
    build output names what to fix (a failing data test would print only
    a count). The error sits in the filter so that no optimizer prunes it. -#}
{% macro fail_with_problems(problems_sql) -%}
with problems as (
    {{ problems_sql }}
),

summary as (
    select
        count(*) as problem_count,
        {{ ordered_string_agg('problem', "'; '", 'problem') }} as message
    from problems
)

select message
from summary
where case
    when problem_count > 0
        then {{ raise_error_sql("'Broken goal definitions: ' || message") }}
end is not null
{%- endmacro %}
