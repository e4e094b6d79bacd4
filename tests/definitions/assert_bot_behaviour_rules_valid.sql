-- Behavioural bot rules: a rule_id, once; a whole max_events >= 1 and a
-- per_seconds > 0 (an enabled rule without them would make no sense, a
-- disabled one is checked too, so it can be switched on as it is).
{{ fail_with_problems("
    select 'bot_behaviour_rules row \"' || coalesce(rule_id, '')
        || '\": ' || case
            when " ~ is_blank('rule_id') ~ " then 'rule_id is empty'
            when max_events is null or max_events < 1
                then 'max_events must be a whole number >= 1'
            else 'per_seconds must be a number > 0'
        end as problem
    from " ~ ref('bot_behaviour_rules') ~ "
    where " ~ is_blank('rule_id') ~ "
        or max_events is null
        or max_events < 1
        or per_seconds is null
        or per_seconds <= 0
    union all
    select 'bot_behaviour_rules rule_id \"' || rule_id || '\" is defined '
        || count(*) || ' times'
    from " ~ ref('bot_behaviour_rules') ~ "
    where rule_id is not null
    group by rule_id
    having count(*) > 1
") }}
