{#- One row per goal: the goal seed with its funnel's name, window and
    options (SPEC section 5). An option column missing from a user's seed,
    or an empty cell, reads as its default (seed_column). -#}
{{ config(materialized='table') }}
{%- set order_mode = seed_column(ref('funnels'), 'order_mode', 'string', 'funnels') %}
{%- set count_within = seed_column(ref('funnels'), 'count_within', 'string', 'funnels') %}
{%- set hold_constant = seed_column(ref('funnels'), 'hold_constant', 'string', 'funnels') %}
{%- set max_hours = seed_column(ref('goals'), 'max_hours_from_previous_step', 'double', 'goals') %}

with

goals as (

    select * from {{ ref('goals') }}

),

funnels as (

    select * from {{ ref('funnels') }}

),

final as (

    select
        goals.goal_id,
        goals.goal_name,
        goals.goal_type,
        goals.event_name,
        goals.page_path_pattern,
        goals.funnel_id,
        goals.step_order,
        goals.description,
        funnels.funnel_name,
        funnels.conversion_window_days,
        case
            when funnels.funnel_id is not null
                then coalesce(nullif(trim({{ order_mode }}), ''), 'ordered')
        end as order_mode,
        case
            when funnels.funnel_id is not null
                then coalesce(nullif(trim({{ count_within }}), ''), 'visitor')
        end as count_within,
        nullif(trim({{ hold_constant }}), '') as hold_constant,
        {{ max_hours }} as max_hours_from_previous_step
    from goals
    left join funnels
        on goals.funnel_id = funnels.funnel_id

)

select * from final
