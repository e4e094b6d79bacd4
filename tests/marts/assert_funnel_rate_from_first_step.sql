-- rate_from_first_step is visitors_reached over step 1's visitors_reached
-- of the same funnel and cohort date.
with

steps as (

    select * from {{ ref('fct_funnel_steps') }}

),

first_steps as (

    select
        funnel_id,
        cohort_date,
        visitors_reached as entrants
    from steps
    where step_order = 1

)

select steps.*
from steps
inner join first_steps
    on
        steps.funnel_id = first_steps.funnel_id
        and steps.cohort_date = first_steps.cohort_date
where
    abs(
        steps.rate_from_first_step
        - cast(steps.visitors_reached as double) / first_steps.entrants
    ) > 1e-12
