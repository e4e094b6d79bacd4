{#- Within each `partition_by` group, ordered by `order_by`, the column never
    rises from one row to the next (a funnel only loses visitors). -#}
{% test never_increases(model, column_name, partition_by, order_by) %}
with ordered as (
    select
        {{ column_name }} as value,
        lag({{ column_name }}) over (
            partition by {{ partition_by | join(', ') }}
            order by {{ order_by }}
        ) as previous_value
    from {{ model }}
)

select *
from ordered
where value > previous_value
{% endtest %}
