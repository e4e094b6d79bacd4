-- funnel_id is set and unique; conversion_window_days is a whole number > 0.
{{ fail_with_problems("
    select 'funnel \"' || funnel_id || '\" is defined ' || count(*)
        || ' times' as problem
    from " ~ ref('funnels') ~ "
    where funnel_id is not null
    group by funnel_id
    having count(*) > 1
    union all
    select 'a funnel named \"' || coalesce(funnel_name, '')
        || '\" has no funnel_id'
    from " ~ ref('funnels') ~ "
    where " ~ is_blank('funnel_id') ~ "
    union all
    select 'funnel \"' || funnel_id || '\" has conversion_window_days '
        || coalesce(cast(conversion_window_days as string), 'empty')
        || ' (expected a whole number of days > 0)'
    from " ~ ref('funnels') ~ "
    where conversion_window_days is null or conversion_window_days <= 0
") }}
