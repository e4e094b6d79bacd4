-- Channel rules: a known channel, a known field, a pattern where the field
-- needs one, and a unique rule_order (the first matching rule wins).
{{ fail_with_problems("
    select 'channel rule ' || coalesce(cast(rule_order as string), '(no order)')
        || ': ' || case
            when rule_order is null then 'rule_order is empty'
            when channel is null or channel not in ('direct', 'organic search',
                'paid search', 'social', 'email', 'referral', 'other')
                then 'unknown channel \"' || coalesce(channel, '') || '\"'
            when match_on is null or match_on not in ('utm_medium', 'utm_source',
                'referrer_host', 'no_referrer')
                then 'unknown match_on \"' || coalesce(match_on, '') || '\"'
            else 'match_on ' || match_on || ' needs a pattern'
        end as problem
    from " ~ ref('channel_rules') ~ "
    where rule_order is null
        or channel is null
        or channel not in ('direct', 'organic search', 'paid search', 'social',
            'email', 'referral', 'other')
        or match_on is null
        or match_on not in ('utm_medium', 'utm_source', 'referrer_host',
            'no_referrer')
        or (match_on <> 'no_referrer' and " ~ is_blank('pattern') ~ ")
    union all
    select 'channel rule ' || rule_order || ' is defined ' || count(*) || ' times'
    from " ~ ref('channel_rules') ~ "
    where rule_order is not null
    group by rule_order
    having count(*) > 1
") }}
