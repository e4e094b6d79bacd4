{#- One row per human visitor and UTC day with any counted event: the day
    rows of int_visitor_periods, for the semantic layer's visitor counts
    (MetricFlow counts distinct visitors of these rows at any grain, so a
    week or month counts each visitor once). -#}
{{ config(materialized='derived_table', schema='intermediate') }}

with

visitor_periods as (

    select * from {{ ref('int_visitor_periods') }}
    where period_grain = 'day'

),

final as (

    select
        visitor_id,
        period_start as activity_date
    from visitor_periods

)

select * from final
