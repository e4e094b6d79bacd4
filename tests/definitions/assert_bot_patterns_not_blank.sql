-- An empty pattern would match every user agent and make every visitor a
-- bot.
{{ fail_with_problems("
    select 'bot_user_agent_patterns row \"' || coalesce(description, '')
        || '\" has an empty pattern, which would match every visitor'
        as problem
    from " ~ ref('bot_user_agent_patterns') ~ "
    where " ~ is_blank('pattern')
) }}
