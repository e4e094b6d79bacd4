{#- One row per goal: the goal seed with its funnel's name and window. -#}
{{ config(materialized='table') }}

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
        funnels.conversion_window_days
    from goals
    left join funnels
        on goals.funnel_id = funnels.funnel_id

)

select * from final
