{#- One row per period grain and period with counted events: how much of
    the period the data cover. Read by every rate and funnel mart for its
    finality columns (docs: period_coverage_rule).

    data_through is the latest counted event time; a period covers the
    whole period when it starts on or after the first counted event's day
    and ends (the midnight after its last day) at or before data_through
    (SPEC section 4). days_with_events is shown, not used: a day without
    counted events inside the data does not make a period partial. -#}
{{ config(materialized='derived_table', schema='intermediate') }}

with

events as (

    select * from {{ ref('stg_events__classified') }}
    where event_status = 'counted'

),

event_days as (

    select
        {{ event_date('occurred_at') }} as activity_date,
        max(occurred_at) as last_event_at
    from events
    group by {{ event_date('occurred_at') }}

),

data_span as (

    select
        min(activity_date) as first_event_date,
        max(last_event_at) as data_through
    from event_days

),

period_days as (

    {% for grain in period_grains() -%}
    select
        '{{ grain }}' as period_grain,
        {{ period_start(grain, 'activity_date') }} as period_start,
        count(*) as days_with_events
    from event_days
    group by {{ period_start(grain, 'activity_date') }}
    {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

periods as (

    select
        period_grain,
        period_start,
        cast(case period_grain
            when 'day' then {{ dbt.dateadd('day', 1, 'period_start') }}
            when 'week' then {{ dbt.dateadd('day', 7, 'period_start') }}
            else {{ dbt.dateadd('month', 1, 'period_start') }}
        end as date) as period_end,
        cast(days_with_events as bigint) as days_with_events
    from period_days

),

final as (

    select
        periods.period_grain,
        periods.period_start,
        periods.period_end,
        periods.days_with_events,
        data_span.first_event_date,
        data_span.data_through,
        coalesce(
            periods.period_start >= data_span.first_event_date
            and {{ local_midnight_utc('periods.period_end') }}
            <= data_span.data_through,
            false
        ) as covers_whole_period
    from periods
    cross join data_span

)

select * from final
