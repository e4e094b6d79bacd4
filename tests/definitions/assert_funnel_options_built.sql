-- One option of SPEC section 5 is validated but not built yet
-- (hold_constant needs the key's value of each event, which staging does
-- not keep): a funnel that sets it stops the build, naming the funnel,
-- rather than counting it as another funnel.
{{ fail_with_problems("
    select 'funnel \"' || funnel_id || '\" sets ' || option_name
        || ', which this version of the project does not build yet'
        as problem
    from (
        select distinct funnel_id, 'hold_constant' as option_name
        from " ~ ref('int_goals') ~ "
        where hold_constant is not null
    ) as unbuilt
") }}
